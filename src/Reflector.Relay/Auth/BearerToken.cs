using System.Globalization;
using System.Security.Claims;
using Reflector.Relay.Upstream;

namespace Reflector.Relay.Auth;

/// <summary>Reads the token a browser connection authenticated with, to reuse it upstream.</summary>
internal static class BearerToken
{
    public const string QueryParameter = "access_token";

    public static bool TryRead(HttpRequest request, ClaimsPrincipal? user, out UpstreamToken token)
    {
        var raw = FromHeader(request) ?? (string?)request.Query[QueryParameter];
        if (string.IsNullOrWhiteSpace(raw))
        {
            token = null!;
            return false;
        }

        token = new UpstreamToken(raw, ExpiresAt(user));
        return true;
    }

    public static DateTimeOffset? ExpiresAt(ClaimsPrincipal? user) =>
        user?.FindFirst("exp")?.Value is { } exp && long.TryParse(exp, NumberStyles.Integer, CultureInfo.InvariantCulture, out var seconds)
            ? DateTimeOffset.FromUnixTimeSeconds(seconds)
            : null;

    private static string? FromHeader(HttpRequest request)
    {
        var header = request.Headers.Authorization.ToString();
        return header.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase) ? header["Bearer ".Length..].Trim() : null;
    }
}
