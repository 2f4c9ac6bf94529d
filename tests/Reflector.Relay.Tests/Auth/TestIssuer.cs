using System.Security.Cryptography;
using System.Text.Json;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;

namespace Reflector.Relay.Tests.Auth;

/// <summary>
/// An identity provider the tests own: one RSA key with a key id, signing exactly the claims a test names
/// (no defaults added), and publishing its public half as PEM or as a JWKS.
/// </summary>
internal sealed class TestIssuer(string keyId)
{
    private static readonly JsonWebTokenHandler Handler = new() { SetDefaultTimesOnTokenCreation = false };

    public RsaSecurityKey Key { get; } = new(RSA.Create(2048)) { KeyId = keyId };

    public string PublicKeyPem => Key.Rsa.ExportSubjectPublicKeyInfoPem();

    public string Sign(IDictionary<string, object> claims) =>
        Handler.CreateToken(new SecurityTokenDescriptor
        {
            Claims = claims,
            SigningCredentials = new SigningCredentials(Key, SecurityAlgorithms.RsaSha256),
        });

    /// <summary>A JWKS holding this key; <paramref name="issuer"/> is set on the key as Entra ID does.</summary>
    public string Jwks(string? issuer = null)
    {
        var jwk = JsonWebKeyConverter.ConvertFromRSASecurityKey(Key);
        var key = new Dictionary<string, object>
        {
            ["kty"] = "RSA",
            ["use"] = "sig",
            ["alg"] = SecurityAlgorithms.RsaSha256,
            ["kid"] = jwk.Kid,
            ["n"] = jwk.N,
            ["e"] = jwk.E,
        };
        if (issuer is not null)
        {
            key["issuer"] = issuer;
        }

        return JsonSerializer.Serialize(new { keys = new[] { key } });
    }

    /// <summary><c>iat</c>, <c>nbf</c> and <c>exp</c> for a token expiring at <paramref name="expires"/>, issued an hour earlier.</summary>
    public static Dictionary<string, object> Lifetime(DateTimeOffset expires) => new(StringComparer.Ordinal)
    {
        ["iat"] = (expires - TimeSpan.FromHours(1)).ToUnixTimeSeconds(),
        ["nbf"] = (expires - TimeSpan.FromHours(1)).ToUnixTimeSeconds(),
        ["exp"] = expires.ToUnixTimeSeconds(),
    };

    public static DateTimeOffset InAnHour => DateTimeOffset.UtcNow.AddHours(1);
}
