using System.Security.Cryptography;
using Microsoft.IdentityModel.Tokens;

namespace Reflector.Relay.Auth;

/// <summary>Reads the PEM public key Reflector verifies its tokens with.</summary>
internal static class SigningKeys
{
    /// <returns><see langword="null"/> on success, otherwise why the key cannot be used.</returns>
    public static string? TryLoad(string path, string algorithm, out SecurityKey? key)
    {
        key = null;
        string pem;
        try
        {
            pem = File.ReadAllText(path);
        }
        catch (Exception exception) when (exception is IOException or UnauthorizedAccessException or ArgumentException or NotSupportedException)
        {
            return $"cannot read '{path}': {exception.Message}";
        }

        try
        {
            if (algorithm.StartsWith("ES", StringComparison.Ordinal))
            {
                var ecdsa = ECDsa.Create();
                ecdsa.ImportFromPem(pem);
                key = new ECDsaSecurityKey(ecdsa);
            }
            else if (algorithm.StartsWith("RS", StringComparison.Ordinal) || algorithm.StartsWith("PS", StringComparison.Ordinal))
            {
                var rsa = RSA.Create();
                rsa.ImportFromPem(pem);
                key = new RsaSecurityKey(rsa);
            }
            else
            {
                return $"algorithm '{algorithm}' (Authentication:Jwt:Algorithm) is not supported; use RS*, PS* or ES*.";
            }

            return null;
        }
        catch (Exception exception) when (exception is ArgumentException or CryptographicException)
        {
            return $"'{path}' does not hold a PEM public key for {algorithm}: {exception.Message}";
        }
    }
}
