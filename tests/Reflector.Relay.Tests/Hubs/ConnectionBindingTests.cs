using System.Net;
using System.Net.Http.Headers;
using System.Net.WebSockets;
using System.Text;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using Reflector.Relay.Events;
using Reflector.Relay.Hubs;
using Reflector.Relay.Tests.Infrastructure;

namespace Reflector.Relay.Tests.Hubs;

/// <summary>
/// A connection token belongs to the user who negotiated it for exactly as long as its connection lives: another
/// user is refused whatever happens meanwhile, and an id the relay never issued stores nothing.
/// </summary>
public sealed class ConnectionBindingTests(ReflectorFixture fixture) : IClassFixture<ReflectorFixture>
{
    private const char RecordSeparator = '\u001e';

    private static string NewUser() => "binding-" + Guid.NewGuid().ToString("N");

    [Fact]
    public async Task A_made_up_connection_id_is_answered_404_and_binds_nothing()
    {
        await using var relay = new RelayFactory(fixture.Reflector);
        var bindings = relay.Services.GetRequiredService<ConnectionBindings>();
        var userId = NewUser();
        await using var tab = await relay.ConnectAsync(userId);
        await tab.WaitForStateAsync(UpstreamState.Connected);
        Assert.Equal(1, bindings.Count);

        using var http = new HttpClient { BaseAddress = relay.BaseAddress };
        for (var i = 0; i < 20; i++)
        {
            using var response = await GetAsync(http, "/hubs/user-events?id=" + new string((char)('a' + i), 2_000), relay.TokenFor(userId));
            Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        }

        Assert.Equal(1, bindings.Count);
    }

    [Fact]
    public async Task A_binding_ends_with_its_connection_and_its_token_then_names_nothing_even_for_its_owner()
    {
        await using var relay = new RelayFactory(fixture.Reflector);
        var bindings = relay.Services.GetRequiredService<ConnectionBindings>();
        var userId = NewUser();
        var tab = await LongPollingTab.ConnectAsync(relay.HubUrl, relay.TokenFor(userId));
        Assert.Equal(1, bindings.Count);

        await tab.DisposeAsync();
        await TestTimeouts.Eventually(() => bindings.Count == 0, "the ended connection's binding was released");

        using var poll = await tab.PollAsAsync(relay.BaseAddress, relay.TokenFor(userId));
        Assert.Equal(HttpStatusCode.NotFound, poll.StatusCode);
    }

    [Fact]
    public async Task A_negotiated_token_is_bound_before_its_connection_starts_and_refused_to_anyone_else()
    {
        await using var relay = new RelayFactory(fixture.Reflector);
        var (owner, attacker) = (NewUser(), NewUser());
        using var http = new HttpClient { BaseAddress = relay.BaseAddress };
        var connectionToken = await NegotiateAsync(http, relay.TokenFor(owner));

        // The attacker gets there first, by every transport.
        using (var poll = await GetAsync(http, "/hubs/user-events?id=" + connectionToken, relay.TokenFor(attacker)))
        {
            Assert.Equal(HttpStatusCode.Forbidden, poll.StatusCode);
        }

        Assert.Equal(HttpStatusCode.Forbidden, await RefusedUpgradeAsync(relay, connectionToken, relay.TokenFor(attacker)));

        // The owner's connection starts as if nothing had happened.
        await using var socket = await HubSocket.OpenAsync(relay, connectionToken, relay.TokenFor(owner));
        Assert.Contains("\"upstreamStatus\"", await socket.NextFrameAsync(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Another_user_is_refused_a_connection_whose_owner_is_away_for_a_stateful_reconnect_whatever_was_sent_meanwhile()
    {
        await using var relay = new RelayFactory(fixture.Reflector, new Dictionary<string, string?>
        {
            ["Limits:NegotiationsPerUserPerMinute"] = "100000",
        });
        var bindings = relay.Services.GetRequiredService<ConnectionBindings>();
        var (owner, attacker) = (NewUser(), NewUser());
        using var http = new HttpClient { BaseAddress = relay.BaseAddress };
        var connectionToken = await NegotiateAsync(http, relay.TokenFor(owner), statefulReconnect: true);
        var first = await HubSocket.OpenAsync(relay, connectionToken, relay.TokenFor(owner));
        await first.NextFrameAsync();
        await fixture.Reflector.WaitForOpenSocketsAsync(owner, 1, TestTimeouts.Default);

        // The owner's transport drops without a close: SignalR keeps the connection for its stateful reconnect.
        first.Abort();
        await using var _ = first;

        // Meanwhile the attacker floods made-up ids, then tries the real one by every transport.
        for (var i = 0; i < 2_000; i++)
        {
            using var response = await GetAsync(http, "/hubs/user-events?id=" + Guid.NewGuid().ToString("N"), relay.TokenFor(attacker));
            Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        }

        using (var poll = await GetAsync(http, "/hubs/user-events?id=" + connectionToken, relay.TokenFor(attacker)))
        {
            Assert.Equal(HttpStatusCode.Forbidden, poll.StatusCode);
        }

        using (var sse = await GetAsync(http, "/hubs/user-events?id=" + connectionToken, relay.TokenFor(attacker), "text/event-stream"))
        {
            Assert.Equal(HttpStatusCode.Forbidden, sse.StatusCode);
        }

        Assert.Equal(HttpStatusCode.Forbidden, await RefusedUpgradeAsync(relay, connectionToken, relay.TokenFor(attacker)));
        Assert.Equal(1, bindings.Count);

        // The owner comes back on the same connection and still gets its own events.
        await using var second = await HubSocket.OpenAsync(relay, connectionToken, relay.TokenFor(owner), handshake: false);
        await fixture.Reflector.EmitAsync(owner, "TRANSCRIPT_CREATED", new { id = "after-the-gap" });
        string frame;
        do
        {
            frame = await second.NextFrameAsync();
        }
        while (!frame.Contains("after-the-gap", StringComparison.Ordinal));

        Assert.Contains("\"invalidate\"", frame, StringComparison.Ordinal);
        Assert.Equal(1, relay.Upstreams.ConnectionsOf(owner));
    }

    [Theory]
    [InlineData("/hubs/user-events?id=")]
    [InlineData("/hubs/user-events?id")]
    [InlineData("/hubs/user-events?id=made-up")]
    public async Task Requests_naming_no_live_connection_count_against_the_users_connection_starts(string path)
    {
        await using var relay = new RelayFactory(fixture.Reflector, new Dictionary<string, string?>
        {
            ["Limits:NegotiationsPerUserPerMinute"] = "3",
        });
        using var http = new HttpClient { BaseAddress = relay.BaseAddress };
        var token = relay.TokenFor(NewUser());

        var statuses = new List<HttpStatusCode>();
        for (var i = 0; i < 5; i++)
        {
            using var response = await GetAsync(http, path, token);
            statuses.Add(response.StatusCode);
        }

        Assert.All(statuses.Take(3), status => Assert.NotEqual(HttpStatusCode.TooManyRequests, status));
        Assert.Equal([HttpStatusCode.TooManyRequests, HttpStatusCode.TooManyRequests], statuses.Skip(3));
    }

    [Fact]
    public async Task Upgrades_with_an_empty_id_and_no_token_count_against_the_address()
    {
        await using var relay = new RelayFactory(fixture.Reflector, new Dictionary<string, string?>
        {
            ["Limits:NegotiationsPerAddressPerMinute"] = "3",
        });

        var statuses = new List<HttpStatusCode>();
        for (var i = 0; i < 5; i++)
        {
            statuses.Add(await RefusedUpgradeAsync(relay, connectionToken: "", token: null));
        }

        Assert.Equal(
            [HttpStatusCode.Unauthorized, HttpStatusCode.Unauthorized, HttpStatusCode.Unauthorized, HttpStatusCode.TooManyRequests, HttpStatusCode.TooManyRequests],
            statuses);
    }

    [Fact]
    public async Task The_owners_polls_on_its_live_connection_are_never_counted_as_connection_starts()
    {
        await using var relay = new RelayFactory(fixture.Reflector, new Dictionary<string, string?>
        {
            ["Limits:NegotiationsPerUserPerMinute"] = "2",
        });
        var userId = NewUser();
        // Negotiate and the first poll; then more polls than the limit, all of them the connection's own.
        await using var tab = await LongPollingTab.ConnectAsync(relay.HubUrl, relay.TokenFor(userId));
        for (var i = 0; i < 4; i++)
        {
            await fixture.Reflector.EmitAsync(userId, "TRANSCRIPT_CREATED", new { id = "t" + i });
            Assert.Equal(new InvalidateMessage.TranscriptCreated("t" + i), await tab.Client.NextMessageAsync());
        }
    }

    private static async Task<string> NegotiateAsync(HttpClient http, string token, bool statefulReconnect = false)
    {
        using var request = new HttpRequestMessage(
            HttpMethod.Post, "/hubs/user-events/negotiate?negotiateVersion=1" + (statefulReconnect ? "&useStatefulReconnect=true" : ""));
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        using var response = await http.SendAsync(request).DefaultTimeout();
        response.EnsureSuccessStatusCode();
        using var body = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        Assert.Equal(statefulReconnect, body.RootElement.TryGetProperty("useStatefulReconnect", out var stateful) && stateful.GetBoolean());
        return body.RootElement.GetProperty("connectionToken").GetString()!;
    }

    private static async Task<HttpResponseMessage> GetAsync(HttpClient http, string path, string token, string? accept = null)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, path);
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        if (accept is not null)
        {
            request.Headers.Accept.ParseAdd(accept);
        }

        // Headers only: a real SSE stream or poll would not end.
        return await http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead).DefaultTimeout();
    }

    /// <summary>Tries a WebSocket upgrade; the HTTP status it was refused with.</summary>
    private static async Task<HttpStatusCode> RefusedUpgradeAsync(RelayFactory relay, string connectionToken, string? token)
    {
        using var socket = new ClientWebSocket();
        socket.Options.CollectHttpResponseDetails = true;
        if (token is not null)
        {
            socket.Options.SetRequestHeader("Authorization", "Bearer " + token);
        }

        var error = await Assert.ThrowsAsync<WebSocketException>(() => socket.ConnectAsync(WebSocketUrl(relay, connectionToken), CancellationToken.None).DefaultTimeout());
        Assert.NotEqual(0, (int)socket.HttpStatusCode);
        return socket.HttpStatusCode;
    }

    private static Uri WebSocketUrl(RelayFactory relay, string connectionToken) =>
        new UriBuilder(relay.HubUrl) { Scheme = "ws", Query = "id=" + Uri.EscapeDataString(connectionToken) }.Uri;

    /// <summary>A hub connection's WebSocket spoken by hand (JSON protocol), so a test can drop it without a close.</summary>
    private sealed class HubSocket : IAsyncDisposable
    {
        private readonly ClientWebSocket _socket;
        private readonly Queue<string> _frames = new();
        private readonly StringBuilder _partial = new();

        private HubSocket(ClientWebSocket socket) => _socket = socket;

        public static async Task<HubSocket> OpenAsync(RelayFactory relay, string connectionToken, string token, bool handshake = true)
        {
            var socket = new ClientWebSocket();
            socket.Options.SetRequestHeader("Authorization", "Bearer " + token);
            await socket.ConnectAsync(WebSocketUrl(relay, connectionToken), CancellationToken.None).DefaultTimeout();
            var hub = new HubSocket(socket);
            if (handshake)
            {
                await socket.SendAsync(Encoding.UTF8.GetBytes("{\"protocol\":\"json\",\"version\":2}" + RecordSeparator), WebSocketMessageType.Text, true, CancellationToken.None);
                Assert.Equal("{}", await hub.NextFrameAsync());
            }

            return hub;
        }

        public async Task<string> NextFrameAsync()
        {
            var buffer = new byte[4096];
            while (_frames.Count == 0)
            {
                var result = await _socket.ReceiveAsync(buffer, CancellationToken.None).DefaultTimeout();
                Assert.NotEqual(WebSocketMessageType.Close, result.MessageType);
                _partial.Append(Encoding.UTF8.GetString(buffer, 0, result.Count));
                var text = _partial.ToString();
                var end = text.LastIndexOf(RecordSeparator);
                if (end < 0)
                {
                    continue;
                }

                foreach (var frame in text[..end].Split(RecordSeparator))
                {
                    _frames.Enqueue(frame);
                }

                _partial.Clear().Append(text[(end + 1)..]);
            }

            return _frames.Dequeue();
        }

        public void Abort() => _socket.Abort();

        public ValueTask DisposeAsync()
        {
            _socket.Dispose();
            return ValueTask.CompletedTask;
        }
    }
}
