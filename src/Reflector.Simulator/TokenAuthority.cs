using System.Security.Cryptography;
using System.Text.Json;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;

namespace Reflector.Simulator;

// Plays both Reflector's identity provider (issuing) and its API (verifying), with one RSA key pair.
internal sealed class TokenAuthority : IDisposable
{
    private readonly RSA? _ownedKey;
    private readonly SigningCredentials _signing;
    private readonly TokenValidationParameters _validation;
    private readonly JsonWebTokenHandler _handler = new() { SetDefaultTimesOnTokenCreation = false };
    private readonly TimeProvider _time;

    public TokenAuthority(SimulatorOptions options, TimeProvider time)
    {
        ArgumentNullException.ThrowIfNull(options);
        if (options.Algorithms is not { Count: > 0 })
        {
            throw new ArgumentException("At least one algorithm is required.", nameof(options));
        }

        _time = time;
        Audience = options.Audience;
        var rsa = options.SigningKey ?? (_ownedKey = RSA.Create(2048));
        PublicKeyPem = rsa.ExportSubjectPublicKeyInfoPem();

        // Keys built from parameters get their own RSA instances inside IdentityModel, so concurrent
        // signing and verifying never share the caller's object.
        _signing = new SigningCredentials(new RsaSecurityKey(rsa.ExportParameters(true)), options.Algorithms[0]);
        _validation = new TokenValidationParameters
        {
            IssuerSigningKey = new RsaSecurityKey(rsa.ExportParameters(false)),
            ValidAlgorithms = [.. options.Algorithms],
            ValidAudience = options.Audience,
            ValidateAudience = true,
            ValidateIssuer = false,
            ValidateLifetime = true,
            RequireExpirationTime = true,
            RequireSignedTokens = true,
            ClockSkew = TimeSpan.Zero,
        };
    }

    public string Audience { get; }

    public string PublicKeyPem { get; }

    public IssuedToken Issue(string subject, TimeSpan lifetime, string? audience, IDictionary<string, object>? extraClaims)
    {
        ArgumentNullException.ThrowIfNull(subject);
        var now = _time.GetUtcNow();
        var expires = now + lifetime;

        // An already-expired token still needs iat/nbf before exp to look like a real, old token.
        var issuedAt = expires > now ? now : expires - TimeSpan.FromMinutes(5);
        var claims = new Dictionary<string, object>(StringComparer.Ordinal)
        {
            ["sub"] = subject,
            ["aud"] = audience ?? Audience,
            ["iat"] = issuedAt.ToUnixTimeSeconds(),
            ["nbf"] = issuedAt.ToUnixTimeSeconds(),
            ["exp"] = expires.ToUnixTimeSeconds(),
        };
        if (extraClaims is not null)
        {
            foreach (var (name, value) in extraClaims)
            {
                claims[name] = value;
            }
        }

        var token = _handler.CreateToken(new SecurityTokenDescriptor { Claims = claims, SigningCredentials = _signing });
        return new IssuedToken(token, DateTimeOffset.FromUnixTimeSeconds(expires.ToUnixTimeSeconds()));
    }

    // Returns the subject of a valid token, or null; the reason is for logs only and never contains the token.
    public async Task<(string? Subject, string? Reason)> ValidateAsync(string token)
    {
        TokenValidationResult result;
        try
        {
            result = await _handler.ValidateTokenAsync(token, _validation).ConfigureAwait(false);
        }
        catch (ArgumentException ex)
        {
            return (null, ex.GetType().Name);
        }

        if (!result.IsValid)
        {
            return (null, result.Exception?.GetType().Name ?? "invalid");
        }

        return result.SecurityToken is JsonWebToken jwt && SubjectOf(jwt) is { Length: > 0 } subject
            ? (subject, null)
            : (null, "missing or non-string sub");
    }

    // Read from the raw payload: IdentityModel turns a numeric sub into a string, Reflector's decoder does not.
    private static string? SubjectOf(JsonWebToken jwt)
    {
        using var payload = JsonDocument.Parse(Base64UrlEncoder.DecodeBytes(jwt.EncodedPayload));
        return payload.RootElement.TryGetProperty("sub", out var sub) && sub.ValueKind == JsonValueKind.String
            ? sub.GetString()
            : null;
    }

    public void Dispose() => _ownedKey?.Dispose();
}

internal sealed record IssuedToken(string Token, DateTimeOffset ExpiresAt);
