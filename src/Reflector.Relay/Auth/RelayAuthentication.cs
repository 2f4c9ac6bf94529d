using Microsoft.AspNetCore.Authentication.JwtBearer;
using Microsoft.Extensions.Options;
using Microsoft.Identity.Web;
using Microsoft.IdentityModel.Tokens;
using Reflector.Relay.Hubs;

namespace Reflector.Relay.Auth;

/// <summary>
/// Validates browser tokens the way Reflector does (PEM public key and audience), through an OIDC
/// authority, or through Entra ID; any configured way is enough.
/// </summary>
internal static class RelayAuthentication
{
    public const string PublicKeyScheme = "ReflectorJwt";
    public const string AuthorityScheme = "Oidc";
    public const string AzureAdScheme = "AzureAd";
    public const string AzureAdSection = "AzureAd";

    public static bool UsesAzureAd(IConfiguration configuration) =>
        !string.IsNullOrWhiteSpace(configuration[$"{AzureAdSection}:ClientId"]);

    public static IServiceCollection AddRelayAuthentication(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddOptions<RelayAuthenticationOptions>()
            .Bind(configuration.GetSection(RelayAuthenticationOptions.SectionName))
            .ValidateOnStart();
        services.AddSingleton<IValidateOptions<RelayAuthenticationOptions>, RelayAuthenticationOptionsValidator>();

        // Which schemes exist is decided from configuration now; their settings are read when first used.
        var bound = configuration.GetSection(RelayAuthenticationOptions.SectionName).Get<RelayAuthenticationOptions>() ?? new();
        var jwt = bound.Jwt;
        var schemes = new List<string>();
        var authentication = services.AddAuthentication();

        if (jwt.UsesPublicKey)
        {
            authentication.AddJwtBearer(PublicKeyScheme);
            services.AddOptions<JwtBearerOptions>(PublicKeyScheme)
                .Configure<IOptions<RelayAuthenticationOptions>>((bearer, relay) => ConfigurePublicKey(bearer, relay.Value.Jwt));
            schemes.Add(PublicKeyScheme);
        }

        if (jwt.UsesAuthority)
        {
            authentication.AddJwtBearer(AuthorityScheme);
            services.AddOptions<JwtBearerOptions>(AuthorityScheme)
                .Configure<IOptions<RelayAuthenticationOptions>>((bearer, relay) => ConfigureAuthority(bearer, relay.Value.Jwt));
            schemes.Add(AuthorityScheme);
        }

        if (UsesAzureAd(configuration))
        {
            authentication.AddMicrosoftIdentityWebApi(configuration.GetSection(AzureAdSection), jwtBearerScheme: AzureAdScheme);
            schemes.Add(AzureAdScheme);
        }

        services.PostConfigureAll<JwtBearerOptions>(AcceptQueryTokenOnHubPath);

        services.AddAuthorizationBuilder()
            .AddPolicy(RelayAuthorization.PolicyName, policy =>
            {
                // With no scheme configured start-up fails validation; the policy still needs one to build.
                policy.AddAuthenticationSchemes(schemes.Count > 0 ? [.. schemes] : [PublicKeyScheme]);
                policy.RequireAuthenticatedUser();
                policy.RequireAssertion(context => ClaimUserIdProvider.TryGetUserId(context.User, bound.UserIdClaim, out _));
            });

        return services;
    }

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

    private static void ConfigureAuthority(JwtBearerOptions bearer, JwtValidationOptions jwt)
    {
        bearer.MapInboundClaims = false;
        bearer.Authority = jwt.Authority;
        bearer.RequireHttpsMetadata = jwt.RequireHttpsMetadata;
        bearer.TokenValidationParameters.ValidateAudience = !string.IsNullOrWhiteSpace(jwt.Audience);
        bearer.TokenValidationParameters.ValidAudience = jwt.Audience;
        bearer.TokenValidationParameters.RequireExpirationTime = true;
        bearer.TokenValidationParameters.ClockSkew = jwt.ClockSkew;
    }

    /// <summary>
    /// Browsers cannot set headers on a WebSocket or EventSource, so SignalR clients send the token as
    /// <c>access_token</c> in the query; that is accepted on the hub path and nowhere else.
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

            if (string.IsNullOrEmpty(context.Token) &&
                context.Request.Path.StartsWithSegments(UserEventsHub.Path) &&
                context.Request.Query[BearerToken.QueryParameter].ToString() is { Length: > 0 } token)
            {
                context.Token = token;
            }
        };
    }
}

internal static class RelayAuthorization
{
    public const string PolicyName = "ReflectorUser";
}
