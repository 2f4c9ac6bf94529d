using System.Net;
using System.Net.WebSockets;
using Microsoft.AspNetCore.SignalR.Client;
using Reflector.Relay.Events;
using Reflector.Relay.Tests.Infrastructure;

namespace Reflector.Relay.Tests.Limits;

public sealed class AbuseLimitTests(ReflectorFixture fixture) : IClassFixture<ReflectorFixture>
{
    private static string NewUser() => "limits-" + Guid.NewGuid().ToString("N");

    [Fact]
    public async Task A_connection_past_the_per_user_limit_is_closed_with_the_reason()
    {
        await using var relay = new RelayFactory(fixture.Reflector, new Dictionary<string, string?> { ["Limits:MaxConnectionsPerUser"] = "2" });
        var userId = NewUser();
        await using var first = await relay.ConnectAsync(userId);
        await first.WaitForStateAsync(UpstreamState.Connected);
        await using var second = await relay.ConnectAsync(userId);

        await using var third = relay.CreateClient(relay.TokenFor(userId));
        await third.StartAsync();
        var closedWith = await third.Closed.DefaultTimeout();

        Assert.NotNull(closedWith);
        Assert.Contains("Limits:MaxConnectionsPerUser", closedWith.Message, StringComparison.Ordinal);
        Assert.Equal(HubConnectionState.Connected, first.Connection.State);
        Assert.Equal(HubConnectionState.Connected, second.Connection.State);

        // The refused connection never counted: a place freed by a leaving tab can be taken.
        await first.DisposeAsync();
        await TestTimeouts.Eventually(() => relay.Upstreams.ConnectionsOf(userId) == 1, "the first tab was released");
        await using var replacement = await relay.ConnectAsync(userId);
        Assert.Equal(UpstreamState.Connected, (await replacement.NextStatusAsync()).State);
    }

    [Fact]
    public async Task Negotiation_is_rate_limited_per_user_with_429()
    {
        await using var relay = new RelayFactory(fixture.Reflector, new Dictionary<string, string?>
        {
            ["Limits:NegotiationsPerUserPerMinute"] = "3",
        });
        using var http = new HttpClient { BaseAddress = relay.BaseAddress };
        var flooder = NewUser();

        var statuses = new List<HttpStatusCode>();
        for (var i = 0; i < 5; i++)
        {
            statuses.Add(await NegotiateAsync(http, relay.TokenFor(flooder)));
        }

        Assert.Equal([HttpStatusCode.OK, HttpStatusCode.OK, HttpStatusCode.OK, HttpStatusCode.TooManyRequests, HttpStatusCode.TooManyRequests], statuses);

        // Another user from the same address is unaffected.
        Assert.Equal(HttpStatusCode.OK, await NegotiateAsync(http, relay.TokenFor(NewUser())));
    }

    /// <summary>Users with valid tokens are limited each on their own, never by the address they share.</summary>
    [Fact]
    public async Task Negotiations_of_different_users_from_one_address_do_not_count_against_it()
    {
        await using var relay = new RelayFactory(fixture.Reflector, new Dictionary<string, string?>
        {
            ["Limits:NegotiationsPerAddressPerMinute"] = "4",
        });
        using var http = new HttpClient { BaseAddress = relay.BaseAddress };

        var statuses = new List<HttpStatusCode>();
        for (var i = 0; i < 6; i++)
        {
            statuses.Add(await NegotiateAsync(http, relay.TokenFor(NewUser())));
        }

        Assert.All(statuses, status => Assert.Equal(HttpStatusCode.OK, status));

        // The address's own budget is untouched: requests without a valid token still get all four of theirs.
        var anonymous = new List<HttpStatusCode>();
        for (var i = 0; i < 5; i++)
        {
            anonymous.Add(await NegotiateAsync(http, token: null));
        }

        Assert.Equal(4, anonymous.Count(status => status == HttpStatusCode.Unauthorized));
        Assert.Equal(HttpStatusCode.TooManyRequests, anonymous[^1]);
    }

    [Fact]
    public async Task Negotiations_without_a_valid_token_count_against_the_address_too()
    {
        await using var relay = new RelayFactory(fixture.Reflector, new Dictionary<string, string?>
        {
            ["Limits:NegotiationsPerAddressPerMinute"] = "3",
        });
        using var http = new HttpClient { BaseAddress = relay.BaseAddress };

        var statuses = new List<HttpStatusCode>();
        for (var i = 0; i < 5; i++)
        {
            statuses.Add(await NegotiateAsync(http, "not-a-token"));
        }

        Assert.Equal([HttpStatusCode.Unauthorized, HttpStatusCode.Unauthorized, HttpStatusCode.Unauthorized,
            HttpStatusCode.TooManyRequests, HttpStatusCode.TooManyRequests], statuses);
    }

    /// <summary>Routing matches the hub's endpoints whatever the case or a trailing slash; so does the limit on them.</summary>
    [Theory]
    [InlineData("/hubs/user-events/negotiate")]
    [InlineData("/hubs/user-events/negotiate/")]
    [InlineData("/HUBS/User-Events/negotiate")]
    [InlineData("/HUBS/USER-EVENTS/NEGOTIATE/")]
    [InlineData("/hubs/user-events/negotiate?id=made-up")]
    public async Task Every_spelling_of_the_negotiate_path_is_rate_limited(string path)
    {
        await using var relay = new RelayFactory(fixture.Reflector, new Dictionary<string, string?>
        {
            ["Limits:NegotiationsPerUserPerMinute"] = "2",
            ["Limits:NegotiationsPerAddressPerMinute"] = "2",
        });
        using var http = new HttpClient { BaseAddress = relay.BaseAddress };
        var flooder = NewUser();

        var withToken = new List<HttpStatusCode>();
        var withoutToken = new List<HttpStatusCode>();
        for (var i = 0; i < 3; i++)
        {
            withToken.Add(await NegotiateAsync(http, relay.TokenFor(flooder), path));
            withoutToken.Add(await NegotiateAsync(http, token: null, path));
        }

        // Reaching SignalR's negotiate (200, 401) shows the spelling is served; the third is cut either way.
        Assert.Equal([HttpStatusCode.OK, HttpStatusCode.OK, HttpStatusCode.TooManyRequests], withToken);
        Assert.Equal([HttpStatusCode.Unauthorized, HttpStatusCode.Unauthorized, HttpStatusCode.TooManyRequests], withoutToken);
    }

    /// <summary>A client may skip negotiate and open the WebSocket directly (skipNegotiation); that starts a connection too.</summary>
    [Fact]
    public async Task A_websocket_opened_without_negotiating_is_rate_limited_per_user()
    {
        await using var relay = new RelayFactory(fixture.Reflector, new Dictionary<string, string?>
        {
            ["Limits:NegotiationsPerUserPerMinute"] = "2",
        });
        var flooder = NewUser();
        var url = new UriBuilder(relay.HubUrl) { Scheme = "ws", Query = "access_token=" + relay.TokenFor(flooder) }.Uri;

        using var first = await OpenSocketAsync(url);
        using var second = await OpenSocketAsync(url);
        using var third = await OpenSocketAsync(url);

        Assert.Equal(HttpStatusCode.SwitchingProtocols, first.HttpStatusCode);
        Assert.Equal(HttpStatusCode.SwitchingProtocols, second.HttpStatusCode);
        Assert.Equal(HttpStatusCode.TooManyRequests, third.HttpStatusCode);
        Assert.True(third.HttpResponseHeaders!.ContainsKey("Retry-After"));
    }

    [Fact]
    public async Task A_websocket_opened_without_negotiating_or_a_token_is_rate_limited_per_address()
    {
        await using var relay = new RelayFactory(fixture.Reflector, new Dictionary<string, string?>
        {
            ["Limits:NegotiationsPerAddressPerMinute"] = "2",
        });
        var url = new UriBuilder(relay.HubUrl) { Scheme = "ws", Query = "access_token=not-a-token" }.Uri;

        var statuses = new List<HttpStatusCode>();
        for (var i = 0; i < 3; i++)
        {
            using var socket = await OpenSocketAsync(url);
            statuses.Add(socket.HttpStatusCode);
        }

        Assert.Equal([HttpStatusCode.Unauthorized, HttpStatusCode.Unauthorized, HttpStatusCode.TooManyRequests], statuses);
    }

    /// <summary>
    /// A page on an allowed origin makes the browser send a CORS preflight before each negotiate, without a token.
    /// Preflights are answered before the limiter, so a crowd behind one proxy does not spend the address's budget on them.
    /// </summary>
    [Fact]
    public async Task Cors_preflights_do_not_count_against_the_address()
    {
        const string allowedOrigin = "https://reflector.example.com";
        await using var relay = new RelayFactory(fixture.Reflector, new Dictionary<string, string?>
        {
            ["Cors:AllowedOrigins:0"] = allowedOrigin,
            ["Limits:NegotiationsPerAddressPerMinute"] = "2",
        });
        using var http = new HttpClient { BaseAddress = relay.BaseAddress };

        var preflights = new List<HttpStatusCode>();
        for (var i = 0; i < 5; i++)
        {
            using var preflight = new HttpRequestMessage(HttpMethod.Options, NegotiatePath + "?negotiateVersion=1");
            preflight.Headers.Add("Origin", allowedOrigin);
            preflight.Headers.Add("Access-Control-Request-Method", "POST");
            preflight.Headers.Add("Access-Control-Request-Headers", "authorization");
            using var response = await http.SendAsync(preflight).DefaultTimeout();
            preflights.Add(response.StatusCode);
        }

        Assert.All(preflights, status => Assert.Equal(HttpStatusCode.NoContent, status));
        Assert.Equal(HttpStatusCode.Unauthorized, await NegotiateAsync(http, token: null));
        Assert.Equal(HttpStatusCode.Unauthorized, await NegotiateAsync(http, token: null));
        Assert.Equal(HttpStatusCode.TooManyRequests, await NegotiateAsync(http, token: null));
    }

    [Fact]
    public async Task A_refused_negotiation_says_when_to_retry()
    {
        await using var relay = new RelayFactory(fixture.Reflector, new Dictionary<string, string?>
        {
            ["Limits:NegotiationsPerAddressPerMinute"] = "1",
        });
        using var http = new HttpClient { BaseAddress = relay.BaseAddress };
        await NegotiateAsync(http, token: null);

        using var request = new HttpRequestMessage(HttpMethod.Post, NegotiatePath);
        using var refused = await http.SendAsync(request).DefaultTimeout();

        Assert.Equal(HttpStatusCode.TooManyRequests, refused.StatusCode);
        var retryAfter = refused.Headers.RetryAfter?.Delta;
        Assert.NotNull(retryAfter);
        Assert.InRange(retryAfter.Value, TimeSpan.FromSeconds(1), TimeSpan.FromMinutes(1));
    }

    /// <summary>
    /// Behind a reverse proxy every browser shares the proxy's address, and after a relay restart every tab
    /// negotiates again at once. With the default limits, 5,000 tabs of 1,250 users from one address all get in,
    /// while a flood of absent and invalid tokens from that same address, at the same time, is still cut.
    /// </summary>
    [Fact]
    public async Task A_crowd_of_users_behind_one_address_all_negotiate_while_a_flood_of_bad_tokens_from_it_is_cut()
    {
        await using var relay = new RelayFactory(fixture.Reflector);
        const int users = 1_250;
        const int tabsPerUser = 4;
        const int badRequests = 1_500;
        var tokens = Enumerable.Range(0, users).Select(_ => relay.TokenFor(NewUser())).ToArray();
        var expired = fixture.Reflector.IssueToken(NewUser(), TimeSpan.FromSeconds(-30));
        string?[] badTokens = [null, "not-a-token", expired];
        var requests = Enumerable.Range(0, users * tabsPerUser).Select(i => (Good: true, Token: (string?)tokens[i % users]))
            .Concat(Enumerable.Range(0, badRequests).Select(i => (Good: false, Token: badTokens[i % badTokens.Length])))
            .OrderBy(_ => Random.Shared.Next())
            .ToArray();
        using var http = new HttpClient { BaseAddress = relay.BaseAddress };
        var good = new System.Collections.Concurrent.ConcurrentBag<HttpStatusCode>();
        var bad = new System.Collections.Concurrent.ConcurrentBag<HttpStatusCode>();
        using var deadline = new CancellationTokenSource(TimeSpan.FromMinutes(3));

        await Parallel.ForEachAsync(
            requests,
            new ParallelOptions { MaxDegreeOfParallelism = 16, CancellationToken = deadline.Token },
            async (request, _) => (request.Good ? good : bad).Add(await NegotiateAsync(http, request.Token)));

        Assert.Equal(users * tabsPerUser, good.Count);
        Assert.All(good, status => Assert.Equal(HttpStatusCode.OK, status));
        Assert.All(bad, status => Assert.Contains(status, new[] { HttpStatusCode.Unauthorized, HttpStatusCode.TooManyRequests }));
        // 600 a minute get as far as authentication; even if the flood spanned two windows, most of it is cut.
        Assert.InRange(bad.Count(status => status == HttpStatusCode.Unauthorized), 600, 1_200);
    }

    [Fact]
    public async Task A_client_sending_a_large_message_is_disconnected()
    {
        await using var relay = new RelayFactory(fixture.Reflector);
        await using var tab = await relay.ConnectAsync(NewUser());

        // Clients have nothing to say to the relay; a large invocation is abuse and ends the connection.
        _ = tab.Connection.SendAsync("anything", new string('x', 64 * 1024));

        Assert.NotNull(await tab.Closed.DefaultTimeout());
    }

    private const string NegotiatePath = "/hubs/user-events/negotiate";

    private static async Task<HttpStatusCode> NegotiateAsync(HttpClient http, string? token, string path = NegotiatePath)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, path + (path.Contains('?', StringComparison.Ordinal) ? "&" : "?") + "negotiateVersion=1");
        if (token is not null)
        {
            request.Headers.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", token);
        }

        using var response = await http.SendAsync(request).DefaultTimeout();
        return response.StatusCode;
    }

    /// <summary>Opens a WebSocket to <paramref name="url"/>; a refused upgrade leaves its status on the returned socket.</summary>
    private static async Task<ClientWebSocket> OpenSocketAsync(Uri url)
    {
        var socket = new ClientWebSocket();
        socket.Options.CollectHttpResponseDetails = true;
        try
        {
            await socket.ConnectAsync(url, CancellationToken.None).DefaultTimeout();
        }
        catch (WebSocketException)
        {
            // Refused: HttpStatusCode says how.
        }

        return socket;
    }
}
