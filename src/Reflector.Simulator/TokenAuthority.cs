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
    private readonly SigningCredentials _passwordSigning;
    private readonly TokenValidationParameters _passwordValidation;
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

        // As Reflector's password backend: HS256 over SECRET_KEY's UTF-8 bytes; PyJWT refuses an audience it was
        // not told to expect, and these tokens name none.
        SecretKey = options.SecretKey;
        var secret = new SymmetricSecurityKey(System.Text.Encoding.UTF8.GetBytes(options.SecretKey));
        _passwordSigning = new SigningCredentials(secret, SecurityAlgorithms.HmacSha256);
        _passwordValidation = new TokenValidationParameters
        {
            IssuerSigningKey = secret,
            ValidAlgorithms = [SecurityAlgorithms.HmacSha256],
            ValidateAudience = true,
            AudienceValidator = static (audiences, _, _) => !audiences.Any(),
            ValidateIssuer = false,
            ValidateLifetime = true,
            RequireExpirationTime = false,
            RequireSignedTokens = true,
            ClockSkew = TimeSpan.Zero,
        };
    }

    /// <summary>A token as Reflector's password backend issues one at login: HS256, with sub, email and exp only.</summary>
    public IssuedToken IssuePassword(string subject, TimeSpan lifetime)
    {
        ArgumentNullException.ThrowIfNull(subject);
        var expires = _time.GetUtcNow() + lifetime;
        var claims = new Dictionary<string, object>(StringComparer.Ordinal)
        {
            ["sub"] = subject,
            ["email"] = subject + "@example.com",
            ["exp"] = expires.ToUnixTimeSeconds(),
        };
        var token = _handler.CreateToken(new SecurityTokenDescriptor { Claims = claims, SigningCredentials = _passwordSigning });
        return new IssuedToken(token, DateTimeOffset.FromUnixTimeSeconds(expires.ToUnixTimeSeconds()));
    }

    public string Audience { get; }

    public string PublicKeyPem { get; }

    public string SecretKey { get; }

    public IssuedToken Issue(string subject, TimeSpan lifetime, string? audience, IDictionary<string, object?>? extraClaims)
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
            // Reflector's identity providers always send one, and its jwt backend refuses a token without it.
            ["email"] = subject + "@example.com",
        };
        if (extraClaims is not null)
        {
            foreach (var (name, value) in extraClaims)
            {
                // A null value leaves the claim out, for tokens missing one Reflector needs.
                if (value is null)
                {
                    claims.Remove(name);
                }
                else
                {
                    claims[name] = value;
                }
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
            var parameters = _handler.CanReadToken(token) && _handler.ReadJsonWebToken(token).Alg == SecurityAlgorithms.HmacSha256
                ? _passwordValidation
                : _validation;
            result = await _handler.ValidateTokenAsync(token, parameters).ConfigureAwait(false);
        }
        catch (ArgumentException ex)
        {
            return (null, ex.GetType().Name);
        }

        if (!result.IsValid)
        {
            return (null, result.Exception?.GetType().Name ?? "invalid");
        }

        if (result.SecurityToken is not JsonWebToken jwt || SubjectOf(jwt, out var hasEmail) is not { Length: > 0 } subject)
        {
            return (null, "missing or non-string sub");
        }

        // Reflector's jwt backend reads payload["email"]: a token without one is refused.
        return hasEmail ? (subject, null) : (null, "missing email");
    }

    // Read from the raw payload: IdentityModel turns a numeric sub into a string, Reflector's decoder does not.
    private static string? SubjectOf(JsonWebToken jwt, out bool hasEmail)
    {
        using var payload = JsonDocument.Parse(Base64UrlEncoder.DecodeBytes(jwt.EncodedPayload));
        hasEmail = payload.RootElement.TryGetProperty("email", out _);
        return payload.RootElement.TryGetProperty("sub", out var sub) && sub.ValueKind == JsonValueKind.String
            ? sub.GetString()
            : null;
    }

    public void Dispose() => _ownedKey?.Dispose();
}

internal sealed record IssuedToken(string Token, DateTimeOffset ExpiresAt);
