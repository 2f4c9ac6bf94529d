using System.Text;
using Microsoft.IdentityModel.Tokens;

namespace Reflector.Relay.Auth;

/// <summary>Reads the secret Reflector's <c>password</c> backend signs its HS256 tokens with (its <c>SECRET_KEY</c>).</summary>
internal static class SecretKeys
{
    // IdentityModel refuses an HMAC-SHA256 key under 256 bits (IDX10720), even to verify; Reflector's default
    // SECRET_KEY is 41 bytes.
    private const int MinimumBytes = 32;

    /// <returns><see langword="null"/> on success, otherwise why the secret cannot be used, naming the key.</returns>
    public static string? TryLoad(JwtValidationOptions jwt, out SymmetricSecurityKey? key)
    {
        key = null;
        if (!string.IsNullOrEmpty(jwt.SecretKey) && !string.IsNullOrWhiteSpace(jwt.SecretKeyFile))
        {
            return "Authentication:Jwt:SecretKey and Authentication:Jwt:SecretKeyFile (Authentication__Jwt__SecretKey, " +
                "Authentication__Jwt__SecretKeyFile) are both set; set one.";
        }

        string secret;
        string name;
        if (!string.IsNullOrWhiteSpace(jwt.SecretKeyFile))
        {
            name = "Authentication:Jwt:SecretKeyFile (Authentication__Jwt__SecretKeyFile)";
            try
            {
                // A mounted secret often ends with a newline that is no part of the key.
                secret = File.ReadAllText(jwt.SecretKeyFile).Trim();
            }
            catch (Exception exception) when (exception is IOException or UnauthorizedAccessException or ArgumentException or NotSupportedException)
            {
                return $"{name}: cannot read '{jwt.SecretKeyFile}': {exception.Message}";
            }
        }
        else
        {
            name = "Authentication:Jwt:SecretKey (Authentication__Jwt__SecretKey)";
            secret = jwt.SecretKey ?? string.Empty;
        }

        // Reflector signs with the UTF-8 bytes of SECRET_KEY as written (PyJWT's HMAC key).
        var bytes = Encoding.UTF8.GetBytes(secret);
        if (bytes.Length < MinimumBytes)
        {
            return $"{name} must be at least {MinimumBytes} bytes (256 bits, the least HS256 verification accepts here); got {bytes.Length}. " +
                "Give Reflector a longer SECRET_KEY and the relay the same.";
        }

        key = new SymmetricSecurityKey(bytes);
        return null;
    }
}
