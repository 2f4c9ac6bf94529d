using System.Security.Claims;
using System.Text.Json;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.JwtBearer;
using Microsoft.AspNetCore.Authorization;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;
using Microsoft.Identity.Web;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;
using Microsoft.AspNetCore.SignalR;

namespace Reflector.Relay.Auth;

/// <summary>
/// Validates browser tokens the way Reflector does (PEM public key and audience), through an OIDC
/// authority, or through Entra ID; any configured way is enough.
/// </summary>
internal static class RelayAuthentication
{
    public const string PublicKeyScheme = "ReflectorJwt";
    public const string SecretKeyScheme = "ReflectorPassword";
    public const string AuthorityScheme = "Oidc";
    public const string AzureAdScheme = "AzureAd";
    public const string AzureAdSection = "AzureAd";

    public static bool UsesAzureAd(IConfiguration configuration) =>
        !string.IsNullOrWhiteSpace(configuration[$"{AzureAdSection}:ClientId"]);

    /// <summary>How many ways of validating tokens are configured; with several, the same <c>sub</c> may name different people.</summary>
    public static int ConfiguredMethods(RelayAuthenticationOptions options, IConfiguration configuration) =>
        (options.Jwt.UsesPublicKey ? 1 : 0) + (options.Jwt.UsesSecretKey ? 1 : 0) + (options.Jwt.UsesAuthority ? 1 : 0) +
        (UsesAzureAd(configuration) ? 1 : 0);

    public static IServiceCollection AddRelayAuthentication(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddOptions<RelayAuthenticationOptions>()
            .Bind(configuration.GetSection(RelayAuthenticationOptions.SectionName))
            .ValidateOnStart();
        services.AddSingleton<IValidateOptions<RelayAuthenticationOptions>, RelayAuthenticationOptionsValidator>();

        // Every scheme is registered; which of them the policy uses is decided from the final configuration
        // when the policy is first built, so configuration sources added after this call still count.
        // The default scheme establishes the hub's user in UseAuthentication already, so that what runs before
        // authorization (the per-user rate limit) keys the same user the policy will.
        services.AddAuthentication(authentication => authentication.DefaultAuthenticateScheme = HubUserAuthentication.SchemeName)
            .AddScheme<AuthenticationSchemeOptions, HubUserAuthentication>(HubUserAuthentication.SchemeName, configureOptions: null)
            .AddJwtBearer(PublicKeyScheme)
            .AddJwtBearer(SecretKeyScheme)
            .AddJwtBearer(AuthorityScheme)
            .AddMicrosoftIdentityWebApi(configuration.GetSection(AzureAdSection), jwtBearerScheme: AzureAdScheme);
        services.AddOptions<JwtBearerOptions>(PublicKeyScheme)
            .Configure<IOptions<RelayAuthenticationOptions>>((bearer, relay) => ConfigurePublicKey(bearer, relay.Value.Jwt));
        services.AddOptions<JwtBearerOptions>(SecretKeyScheme)
            .Configure<IOptions<RelayAuthenticationOptions>>((bearer, relay) => ConfigureSecretKey(bearer, relay.Value.Jwt));
        services.AddOptions<JwtBearerOptions>(AuthorityScheme)
            .Configure<IOptions<RelayAuthenticationOptions>>((bearer, relay) => ConfigureAuthority(bearer, relay.Value.Jwt));
        services.PostConfigureAll<JwtBearerOptions>(AcceptQueryTokenOnHubPath);
        services.PostConfigureAll<JwtBearerOptions>(RefuseNonStringSubject);
        services.AddSingleton<IPostConfigureOptions<JwtBearerOptions>>(provider =>
            new PostConfigureOptions<JwtBearerOptions, IOptions<RelayAuthenticationOptions>>(
                name: null, provider.GetRequiredService<IOptions<RelayAuthenticationOptions>>(),
                (bearer, relay) => RequiredClaims.Apply(bearer, relay.Value.EffectiveRequiredClaims)));
        // Last: every check above sees the validated token whole.
        services.PostConfigureAll<JwtBearerOptions>(KeepOnlyWhatTheRelayReads);
        services.TryAddSingleton<UserKeys>();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IAuthorizationHandler, KeyedUserHandler>());

        services.AddAuthorization();
        // Read from configuration directly: the policy is built while the pipeline is, and validating here would
        // report only the first invalid section instead of letting start-up validation report them all.
        services.AddOptions<AuthorizationOptions>()
            .Configure<IConfiguration>((authorization, config) => authorization.AddPolicy(
                RelayAuthorization.PolicyName,
                policy => BuildPolicy(policy, config.GetSection(RelayAuthenticationOptions.SectionName).Get<RelayAuthenticationOptions>() ?? new(), config)));

        return services;
    }

    /// <summary>The schemes of the configured ways of validating tokens; with none, start-up validation fails before any request.</summary>
    public static IReadOnlyList<string> ConfiguredSchemes(RelayAuthenticationOptions relay, IConfiguration configuration)
    {
        var schemes = new List<string>();
        if (relay.Jwt.UsesPublicKey)
        {
            schemes.Add(PublicKeyScheme);
        }

        if (relay.Jwt.UsesSecretKey)
        {
            schemes.Add(SecretKeyScheme);
        }

        if (relay.Jwt.UsesAuthority)
        {
            schemes.Add(AuthorityScheme);
        }

        if (UsesAzureAd(configuration))
        {
            schemes.Add(AzureAdScheme);
        }

        return schemes;
    }

    private static void BuildPolicy(AuthorizationPolicyBuilder policy, RelayAuthenticationOptions relay, IConfiguration configuration)
    {
        // With none configured start-up fails validation before any request; the policy still needs a scheme.
        var schemes = ConfiguredSchemes(relay, configuration);
        policy.AddAuthenticationSchemes(schemes.Count > 0 ? [.. schemes] : [PublicKeyScheme]);
        var allowAnonymous = configuration.GetValue<bool>(AnonymousEnabledKey);
        if (!allowAnonymous)
        {
            policy.RequireAuthenticatedUser();
        }

        // A token the relay cannot key is refused here, at negotiate (403), never accepted and then aborted; with
        // anonymous viewers on, a request that offers no token at all is let in as one.
        policy.AddRequirements(new KeyedUserRequirement(allowAnonymous));
    }

    /// <summary>Read from configuration when the policy is built, like the rest of it (Anonymous/AnonymousViewerOptions).</summary>
    private const string AnonymousEnabledKey = "Anonymous:Enabled";

    private static void ConfigurePublicKey(JwtBearerOptions bearer, JwtValidationOptions jwt)
    {
        SigningKeys.TryLoad(jwt.PublicKeyFile!, jwt.Algorithm, out var key);
        bearer.MapInboundClaims = false;
        bearer.TokenValidationParameters = new TokenValidationParameters
        {
            IssuerSigningKey = key,
            ValidateIssuerSigningKey = true,
            ValidAlgorithms = [jwt.Algorithm],
            ValidateAudience = true,
            ValidAudience = jwt.Audience,
            ValidateIssuer = !string.IsNullOrWhiteSpace(jwt.Issuer),
            ValidIssuer = jwt.Issuer,
            ValidateLifetime = true,
            RequireExpirationTime = true,
            ClockSkew = jwt.ClockSkew,
        };
    }

    /// <summary>
    /// As Reflector's <c>password</c> backend verifies its tokens: HS256 with <c>SECRET_KEY</c>, no audience (its
    /// decoder refuses a token that names one), an expiry. Its tokens have no <c>iss</c>; beside other ways of
    /// validating tokens their users are keyed under <see cref="PasswordBackendIssuer"/>, which no other accepted
    /// token can claim (an OIDC or Entra issuer is a URL, a public key's is the configured one).
    /// </summary>
    private static void ConfigureSecretKey(JwtBearerOptions bearer, JwtValidationOptions jwt)
    {
        SecretKeys.TryLoad(jwt, out var key);
        bearer.MapInboundClaims = false;
        bearer.TokenValidationParameters = new TokenValidationParameters
        {
            IssuerSigningKey = key,
            ValidateIssuerSigningKey = true,
            ValidAlgorithms = [SecurityAlgorithms.HmacSha256],
            ValidateAudience = true,
            AudienceValidator = static (audiences, _, _) => !audiences.Any(),
            ValidateIssuer = false,
            ValidateLifetime = true,
            RequireExpirationTime = true,
            ClockSkew = jwt.ClockSkew,
        };
        bearer.Events ??= new JwtBearerEvents();
        bearer.Events.OnTokenValidated = context =>
        {
            if (context.Principal is { } principal)
            {
                var identity = new ClaimsIdentity(
                    principal.Claims.Where(claim => claim.Type != UserKeys.IssuerClaim).Append(new Claim(UserKeys.IssuerClaim, PasswordBackendIssuer)),
                    principal.Identity?.AuthenticationType,
                    UserKeys.SubjectClaim,
                    roleType: null);
                context.Principal = new ClaimsPrincipal(identity);
            }

            return Task.CompletedTask;
        };
    }

    /// <summary>The issuer the relay records for tokens of Reflector's <c>password</c> backend, which carry none.</summary>
    public const string PasswordBackendIssuer = "reflector:password-backend";

    private static void ConfigureAuthority(JwtBearerOptions bearer, JwtValidationOptions jwt)
    {
        bearer.MapInboundClaims = false;
        bearer.Authority = jwt.Authority;
        bearer.RequireHttpsMetadata = jwt.RequireHttpsMetadata;
        bearer.TokenValidationParameters.ValidateAudience = true;
        bearer.TokenValidationParameters.ValidAudience = jwt.Audience;
        bearer.TokenValidationParameters.RequireExpirationTime = true;
        bearer.TokenValidationParameters.ClockSkew = jwt.ClockSkew;
    }

    /// <summary>
    /// Browsers cannot set headers on a WebSocket or EventSource, so SignalR clients send the token as
    /// <c>access_token</c> in the query; that is accepted on the hub's endpoints and nowhere else.
    /// </summary>
    private static void AcceptQueryTokenOnHubPath(JwtBearerOptions bearer)
    {
        // Claims keep their JWT names (sub, exp), as Reflector reads them.
        bearer.MapInboundClaims = false;
        var previous = bearer.Events?.OnMessageReceived;
        bearer.Events ??= new JwtBearerEvents();
        bearer.Events.OnMessageReceived = async context =>
        {
            if (previous is not null)
            {
                await previous(context).ConfigureAwait(false);
            }

            // A header, when present, is the token; the query is only for clients that cannot send one. The
            // upstream socket is opened with the same token (BearerToken), so identity and stream always agree.
            if (string.IsNullOrEmpty(context.Token) &&
                string.IsNullOrEmpty(context.Request.Headers.Authorization) &&
                context.HttpContext.GetEndpoint()?.Metadata.GetMetadata<HubMetadata>() is not null &&
                context.Request.Query[BearerToken.QueryParameter].ToString() is { Length: > 0 } token)
            {
                context.Token = token;
            }
        };
    }

    /// <summary>
    /// RFC 7519 makes <c>sub</c> a string, and Reflector refuses a token whose <c>sub</c> is anything else.
    /// IdentityModel reads a numeric <c>sub</c> as a string claim, which would name user "42"; the raw payload
    /// is checked instead, and such a token is invalid (401), as it is upstream.
    /// </summary>
    private static void RefuseNonStringSubject(JwtBearerOptions bearer)
    {
        bearer.Events ??= new JwtBearerEvents();
        var previous = bearer.Events.OnTokenValidated;
        bearer.Events.OnTokenValidated = async context =>
        {
            if (previous is not null)
            {
                await previous(context).ConfigureAwait(false);
            }

            if (context.Result is null && context.SecurityToken is JsonWebToken jwt && !SubjectIsStringOrAbsent(jwt))
            {
                context.Fail("The sub claim is not a string.");
            }
        };
    }

    /// <summary>
    /// A connection's user lives as long as the connection. The validated principal holds the parsed token (its
    /// payload, every claim with its properties, the encoded token itself): a few kilobytes per connection that
    /// nothing reads after validation. It is replaced by one with only the claims the relay reads (<c>sub</c>,
    /// <c>iss</c>, <c>exp</c>), copied as they were, arrays included. Nor is the token saved in the ticket's
    /// properties (JwtBearer's default): the relay keeps one copy of it, for the upstream socket.
    /// </summary>
    private static void KeepOnlyWhatTheRelayReads(JwtBearerOptions bearer)
    {
        bearer.SaveToken = false;
        bearer.Events ??= new JwtBearerEvents();
        var previous = bearer.Events.OnTokenValidated;
        bearer.Events.OnTokenValidated = async context =>
        {
            if (previous is not null)
            {
                await previous(context).ConfigureAwait(false);
            }

            if (context.Result is null && context.Principal is { } principal)
            {
                context.Principal = SlimPrincipal.From(principal);
            }
        };
    }

    private static bool SubjectIsStringOrAbsent(JsonWebToken jwt)
    {
        using var payload = JsonDocument.Parse(Base64UrlEncoder.DecodeBytes(jwt.EncodedPayload));
        return !payload.RootElement.TryGetProperty(JwtRegisteredClaimNames.Sub, out var sub) || sub.ValueKind == JsonValueKind.String;
    }
}
