using System.Net;
using System.Net.Http.Headers;
using Reflector.Relay.Tests.Infrastructure;

namespace Reflector.Relay.Tests.Auth;

/// <summary>The first request every SignalR client makes, sent with a plain HttpClient and no Origin header.</summary>
internal static class Negotiation
{
    public const string Path = "/hubs/user-events/negotiate?negotiateVersion=1";

    /// <summary>POSTs negotiate with <paramref name="token"/> (if any) in the Authorization header.</summary>
    public static async Task<Negotiated> NegotiateAsync(this RelayFactory relay, string? token)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, new Uri(relay.BaseAddress, Path));
        if (token is not null)
        {
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        }

        return await SendAsync(request);
    }

    /// <summary>POSTs negotiate with <paramref name="token"/> in the access_token query, as browser clients do.</summary>
    public static async Task<Negotiated> NegotiateWithQueryTokenAsync(this RelayFactory relay, string token)
    {
        using var request = new HttpRequestMessage(
            HttpMethod.Post, new Uri(relay.BaseAddress, $"{Path}&access_token={Uri.EscapeDataString(token)}"));
        return await SendAsync(request);
    }

    private static async Task<Negotiated> SendAsync(HttpRequestMessage request)
    {
        using var http = new HttpClient();
        using var response = await http.SendAsync(request).DefaultTimeout();
        return new Negotiated(response.StatusCode, string.Join(", ", response.Headers.WwwAuthenticate));
    }
}

/// <summary>The status negotiate answered with and, on a 401, JwtBearer's challenge naming why the token failed.</summary>
internal sealed record Negotiated(HttpStatusCode Status, string Challenge);
