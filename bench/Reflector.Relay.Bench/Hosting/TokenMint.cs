using System.Buffers.Text;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;

namespace Reflector.Relay.Bench.Hosting;

/// <summary>
/// The identity provider in front of the Python upstream: RS256 tokens with the claims the simulated Reflector
/// issues (<c>sub</c>, <c>aud</c>, <c>iat</c>, <c>nbf</c>, <c>exp</c>, <c>email</c>), signed with a key made per
/// system whose public half goes to a PEM file that the upstream and the relay both read.
/// </summary>
internal sealed class TokenMint : IDisposable
{
    private static readonly byte[] Header = Encoding.UTF8.GetBytes(Base64Url.EncodeToString("""{"alg":"RS256","typ":"JWT"}"""u8) + ".");
    private readonly RSA _key = RSA.Create(2048);

    public TokenMint(string publicKeyFile, string audience)
    {
        Audience = audience;
        File.WriteAllText(publicKeyFile, _key.ExportSubjectPublicKeyInfoPem());
    }

    public string Audience { get; }

    public string Issue(string subject, TimeSpan lifetime)
    {
        var now = DateTimeOffset.UtcNow.ToUnixTimeSeconds();
        var payload = JsonSerializer.SerializeToUtf8Bytes(new Dictionary<string, object>
        {
            ["sub"] = subject,
            ["aud"] = Audience,
            ["iat"] = now,
            ["nbf"] = now,
            ["exp"] = now + (long)lifetime.TotalSeconds,
            ["email"] = subject + "@example.com",
        });
        var signed = new byte[Header.Length + Base64Url.GetEncodedLength(payload.Length)];
        Header.CopyTo(signed, 0);
        Base64Url.EncodeToUtf8(payload, signed.AsSpan(Header.Length));
        var signature = _key.SignData(signed, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        return Encoding.UTF8.GetString(signed) + "." + Base64Url.EncodeToString(signature);
    }

    public void Dispose() => _key.Dispose();
}
