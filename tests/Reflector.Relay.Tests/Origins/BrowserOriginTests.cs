using System.Net;
using System.Net.WebSockets;
using Reflector.Relay.Tests.Infrastructure;

namespace Reflector.Relay.Tests.Origins;

public sealed class BrowserOriginTests(ReflectorFixture fixture) : IClassFixture<ReflectorFixture>
{
    private const string AllowedOrigin = "https://reflector.example.com";

    private RelayFactory CreateRelay() => new(fixture.Reflector, new Dictionary<string, string?>
    {
        ["Cors:AllowedOrigins:0"] = AllowedOrigin,
    });

    [Fact]
    public async Task A_cross_site_page_cannot_negotiate()
    {
        await using var relay = CreateRelay();
        using var http = new HttpClient { BaseAddress = relay.BaseAddress };

        using var response = await NegotiateAsync(http, relay.TokenFor("origin-user"), "https://evil.example.net");

        Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
        Assert.Contains("Cors:AllowedOrigins", await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_cross_site_page_cannot_open_the_websocket_even_with_a_valid_token()
    {
        await using var relay = CreateRelay();
        using var socket = new ClientWebSocket();
        socket.Options.SetRequestHeader("Origin", "https://evil.example.net");
        socket.Options.CollectHttpResponseDetails = true;
        var url = new UriBuilder(relay.HubUrl) { Scheme = "ws", Query = "access_token=" + relay.TokenFor("origin-user") }.Uri;

        await Assert.ThrowsAsync<WebSocketException>(() => socket.ConnectAsync(url, CancellationToken.None).DefaultTimeout());

        Assert.Equal(HttpStatusCode.Forbidden, socket.HttpStatusCode);
    }

    [Fact]
    public async Task An_allowed_origin_negotiates_and_gets_cors_headers_with_credentials()
    {
        await using var relay = CreateRelay();
        using var http = new HttpClient { BaseAddress = relay.BaseAddress };

        using var response = await NegotiateAsync(http, relay.TokenFor("origin-user"), AllowedOrigin);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(AllowedOrigin, response.Headers.GetValues("Access-Control-Allow-Origin").Single());
        Assert.Equal("true", response.Headers.GetValues("Access-Control-Allow-Credentials").Single());
    }

    [Fact]
    public async Task The_relays_own_pages_and_clients_without_an_origin_are_allowed()
    {
        await using var relay = CreateRelay();
        using var http = new HttpClient { BaseAddress = relay.BaseAddress };
        var ownOrigin = relay.BaseAddress.GetLeftPart(UriPartial.Authority);

        using var sameOrigin = await NegotiateAsync(http, relay.TokenFor("origin-user"), ownOrigin);
        using var noOrigin = await NegotiateAsync(http, relay.TokenFor("origin-user"), origin: null);

        Assert.Equal(HttpStatusCode.OK, sameOrigin.StatusCode);
        Assert.Equal(HttpStatusCode.OK, noOrigin.StatusCode);
    }

    [Fact]
    public async Task An_allowed_origin_still_needs_a_valid_token()
    {
        await using var relay = CreateRelay();
        using var http = new HttpClient { BaseAddress = relay.BaseAddress };

        using var response = await NegotiateAsync(http, token: null, AllowedOrigin);

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
    }

    private static async Task<HttpResponseMessage> NegotiateAsync(HttpClient http, string? token, string? origin)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, "/hubs/user-events/negotiate?negotiateVersion=1");
        if (token is not null)
        {
            request.Headers.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", token);
        }

        if (origin is not null)
        {
            request.Headers.Add("Origin", origin);
        }

        return await http.SendAsync(request).DefaultTimeout();
    }
}
