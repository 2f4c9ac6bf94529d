using System.Globalization;
using System.Security.Claims;
using Microsoft.AspNetCore.Http.Features;
using Reflector.Relay.Streams;

namespace Reflector.Relay.Auth;

/// <summary>Reads the token a browser connection authenticated with, to reuse it upstream.</summary>
internal static class BearerToken
{
    public const string QueryParameter = "access_token";

    public const string ExpiryClaim = "exp";

    /// <summary>Whether the request offers a token at all (valid or not), in the header or the query.</summary>
    public static bool IsPresented(HttpRequest request) =>
        !string.IsNullOrWhiteSpace(request.Headers.Authorization) || !string.IsNullOrWhiteSpace(request.Query[QueryParameter]);

    private static bool TryRead(HttpRequest request, ClaimsPrincipal? user, out UpstreamToken token)
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

    /// <summary>
    /// Reads the token like <see cref="TryRead"/>, then removes it from the request (header, query, raw target). A
    /// WebSocket's request lives as long as the connection, and each copy of a token costs a kilobyte or more; the
    /// relay keeps the one it reuses upstream.
    /// </summary>
    public static bool TryTake(HttpContext context, ClaimsPrincipal? user, out UpstreamToken token)
    {
        if (!TryRead(context.Request, user, out token))
        {
            return false;
        }

        var request = context.Request;
        request.Headers.Authorization = default;
        if (request.Query.ContainsKey(QueryParameter))
        {
            var kept = request.Query.Where(pair => pair.Key != QueryParameter).ToDictionary(pair => pair.Key, pair => pair.Value);
            request.Query = new QueryCollection(kept);
            request.QueryString = QueryString.Create(kept);
            if (context.Features.Get<IHttpRequestFeature>() is { } feature)
            {
                feature.RawTarget = request.PathBase + request.Path + request.QueryString;
            }
        }

        return true;
    }

    public static DateTimeOffset? ExpiresAt(ClaimsPrincipal? user) =>
        user?.FindFirst(ExpiryClaim)?.Value is { } exp && long.TryParse(exp, NumberStyles.Integer, CultureInfo.InvariantCulture, out var seconds)
            ? DateTimeOffset.FromUnixTimeSeconds(seconds)
            : null;

    private static string? FromHeader(HttpRequest request)
    {
        var header = request.Headers.Authorization.ToString();
        return header.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase) ? header["Bearer ".Length..].Trim() : null;
    }
}
