using Microsoft.Extensions.Options;

namespace Reflector.Relay.Auth;

/// <summary>How browser tokens are validated. Bound from the <c>Authentication</c> section.</summary>
internal sealed class RelayAuthenticationOptions
{
    public const string SectionName = "Authentication";

    /// <summary>
    /// A former option: users are keyed by <c>sub</c> (<see cref="UserKeys"/>), as Reflector keys its streams. Still
    /// read, so that a deployment that set it to another claim is told at start-up instead of being silently re-keyed.
    /// </summary>
    public const string RemovedUserIdClaimKey = SectionName + ":UserIdClaim";

    /// <summary>The claims a token must also carry, as Reflector requires them.</summary>
    public const string RequiredClaimsKey = SectionName + ":RequiredClaims";

    public JwtValidationOptions Jwt { get; set; } = new();

    /// <summary>
    /// Claims a token must carry (a non-empty value) to be accepted; Reflector refuses tokens without <c>email</c>
    /// (its <c>jwt</c> backend), so a token without one would be accepted here and refused upstream forever.
    /// Unset: <c>email</c>. One blank entry: none.
    /// </summary>
    public List<string>? RequiredClaims { get; set; }

    public IReadOnlyList<string> EffectiveRequiredClaims =>
        RequiredClaims is null ? ["email"] : [.. RequiredClaims.Where(claim => !string.IsNullOrWhiteSpace(claim)).Select(claim => claim.Trim())];
}

internal sealed class JwtValidationOptions
{
    /// <summary>PEM public key, the file Reflector's <c>AUTH_JWT_PUBLIC_KEY</c> names.</summary>
    public string? PublicKeyFile { get; set; }

    /// <summary>Expected <c>aud</c>, as Reflector's <c>AUTH_JWT_AUDIENCE</c>.</summary>
    public string? Audience { get; set; }

    /// <summary>Signing algorithm for <see cref="PublicKeyFile"/>, as Reflector's <c>AUTH_JWT_ALGORITHM</c>. Default RS256.</summary>
    public string Algorithm { get; set; } = "RS256";

    /// <summary>Expected <c>iss</c> for <see cref="PublicKeyFile"/> tokens; Reflector does not check it, so neither does the relay unless set.</summary>
    public string? Issuer { get; set; }

    /// <summary>
    /// The secret of Reflector's <c>password</c> auth backend (its <c>SECRET_KEY</c>): HS256 tokens signed with it
    /// (claims <c>sub</c>, <c>email</c>, <c>exp</c>) are accepted. Prefer <see cref="SecretKeyFile"/> in production.
    /// </summary>
    public string? SecretKey { get; set; }

    /// <summary>A file holding <see cref="SecretKey"/> (a mounted secret); surrounding whitespace is ignored.</summary>
    public string? SecretKeyFile { get; set; }

    /// <summary>An OIDC issuer whose discovery document and JWKS validate tokens (Authentik, Keycloak).</summary>
    public string? Authority { get; set; }

    /// <summary>Whether <see cref="Authority"/> must be https. Default true.</summary>
    public bool RequireHttpsMetadata { get; set; } = true;

    /// <summary>Tolerance for <c>exp</c> and <c>nbf</c>. Default zero, as Reflector's own check.</summary>
    public TimeSpan ClockSkew { get; set; } = TimeSpan.Zero;

    public bool UsesPublicKey => !string.IsNullOrWhiteSpace(PublicKeyFile);

    public bool UsesAuthority => !string.IsNullOrWhiteSpace(Authority);

    public bool UsesSecretKey => !string.IsNullOrEmpty(SecretKey) || !string.IsNullOrWhiteSpace(SecretKeyFile);
}

internal sealed class RelayAuthenticationOptionsValidator(IConfiguration configuration) : IValidateOptions<RelayAuthenticationOptions>
{
    public ValidateOptionsResult Validate(string? name, RelayAuthenticationOptions options)
    {
        var failures = new List<string>();
        var jwt = options.Jwt;

        if (!jwt.UsesPublicKey && !jwt.UsesAuthority && !jwt.UsesSecretKey && !RelayAuthentication.UsesAzureAd(configuration))
        {
            failures.Add("No way to validate tokens is configured: set Authentication:Jwt:PublicKeyFile and " +
                "Authentication:Jwt:Audience (Authentication__Jwt__PublicKeyFile, Authentication__Jwt__Audience), " +
                "or Authentication:Jwt:SecretKeyFile (Authentication__Jwt__SecretKeyFile, Reflector's SECRET_KEY), " +
                "or Authentication:Jwt:Authority (Authentication__Jwt__Authority), or the AzureAd section (AzureAd__ClientId, AzureAd__TenantId).");
        }

        if (jwt.UsesSecretKey && SecretKeys.TryLoad(jwt, out _) is { } secretProblem)
        {
            failures.Add(secretProblem);
        }

        if (jwt.UsesPublicKey)
        {
            if (string.IsNullOrWhiteSpace(jwt.Audience))
            {
                failures.Add("Authentication:Jwt:Audience (Authentication__Jwt__Audience) is required with Authentication:Jwt:PublicKeyFile.");
            }

            if (SigningKeys.TryLoad(jwt.PublicKeyFile!, jwt.Algorithm, out _) is { } problem)
            {
                failures.Add($"Authentication:Jwt:PublicKeyFile: {problem}");
            }

            // Beside another issuer, users are keyed by issuer and subject; a key that may sign any iss could
            // otherwise name a user of the other issuer and share that user's stream.
            if (string.IsNullOrWhiteSpace(jwt.Issuer) && RelayAuthentication.ConfiguredMethods(options, configuration) > 1)
            {
                failures.Add("Authentication:Jwt:Issuer (Authentication__Jwt__Issuer) is required when Authentication:Jwt:PublicKeyFile is " +
                    "trusted beside another way of validating tokens: users are then keyed by issuer and subject, and a token signed " +
                    "with that key must not be able to claim another issuer's users.");
            }
        }

        if (jwt.UsesAuthority)
        {
            if (string.IsNullOrWhiteSpace(jwt.Audience))
            {
                failures.Add("Authentication:Jwt:Audience (Authentication__Jwt__Audience) is required with Authentication:Jwt:Authority: " +
                    "without it any token the identity provider issues, for any application, would be accepted.");
            }

            if (!Uri.TryCreate(jwt.Authority, UriKind.Absolute, out var authority) ||
                (authority.Scheme != Uri.UriSchemeHttps && (jwt.RequireHttpsMetadata || authority.Scheme != Uri.UriSchemeHttp)))
            {
                failures.Add($"Authentication:Jwt:Authority must be an https:// URL (or http:// with Authentication:Jwt:RequireHttpsMetadata=false); got '{jwt.Authority}'.");
            }
        }

        if (jwt.ClockSkew < TimeSpan.Zero)
        {
            failures.Add($"Authentication:Jwt:ClockSkew must not be negative; got {jwt.ClockSkew}.");
        }

        // Another claim would let two tokens with the same value of it but different subjects share one upstream
        // socket, opened with either token: one person would receive the other's events.
        if (configuration[RelayAuthenticationOptions.RemovedUserIdClaimKey] is { } userIdClaim && userIdClaim != UserKeys.SubjectClaim)
        {
            failures.Add($"Authentication:UserIdClaim (Authentication__UserIdClaim) is '{userIdClaim}', but the option is gone: " +
                "the relay keys users by the sub claim, as Reflector keys its event streams, so that no two people can share one. " +
                "Remove the setting (or set it to 'sub').");
        }

        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }
}
