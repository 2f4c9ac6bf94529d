using Reflector.Relay.Events;
using Reflector.Relay.Tests.Infrastructure;

namespace Reflector.Relay.Tests.Diagnostics;

/// <summary>
/// Runs alone: the metrics pipeline listens to every meter named <c>Reflector.Relay</c> in the process,
/// so another test's relay running alongside would move the same counters.
/// </summary>
[CollectionDefinition(nameof(MetricsEndpointTests), DisableParallelization = true)]
public sealed class MetricsRunAlone : ICollectionFixture<ReflectorFixture>;

[Collection(nameof(MetricsEndpointTests))]
public sealed class MetricsEndpointTests(ReflectorFixture fixture)
{
    private const string Relayed = "reflector_relay_events_relayed_total";
    private const string Received = "reflector_relay_events_received_total";
    private const string Dropped = "reflector_relay_events_dropped_total";
    private const string DeliveryLagCount = "reflector_relay_events_delivery_lag_seconds_count";

    [Fact]
    public async Task Metrics_are_served_in_Prometheus_text_format_with_the_relays_and_aspnetcores_instruments()
    {
        await using var relay = new RelayFactory(fixture.Reflector);
        await using var client = await relay.ConnectAsync(NewUser("format"));
        await client.WaitForStateAsync(UpstreamState.Connected);

        var scrape = await ScrapeAsync(relay);

        Assert.Contains("# TYPE reflector_relay_upstreams gauge", scrape.Text, StringComparison.Ordinal);
        Assert.True(scrape.Has("reflector_relay_upstream_handshakes_total"), "handshake counter missing");
        Assert.True(scrape.Has("http_server_request_duration_seconds_count"), "ASP.NET Core hosting meter missing");
        Assert.True(scrape.Has("kestrel_active_connections"), "Kestrel meter missing");
        Assert.True(scrape.Has("signalr_server_active_connections"), "SignalR connections meter missing");
    }

    [Fact]
    public async Task Relayed_counts_each_emitted_event_exactly_once_however_many_tabs_receive_it()
    {
        await using var relay = new RelayFactory(fixture.Reflector);
        var reflector = fixture.Reflector;
        var alice = NewUser("alice");
        var bob = NewUser("bob");
        var tabs = new[]
        {
            (User: alice, Client: await relay.ConnectAsync(alice)),
            (User: alice, Client: await relay.ConnectAsync(alice)),
            (User: bob, Client: await relay.ConnectAsync(bob)),
        };
        try
        {
            await Task.WhenAll(tabs.Select(tab => tab.Client.WaitForStateAsync(UpstreamState.Connected)));
            var before = await ScrapeAsync(relay);

            var emitted = new Dictionary<string, int> { [alice] = 5, [bob] = 3 };
            foreach (var (user, count) in emitted)
            {
                for (var i = 0; i < count; i++)
                {
                    Assert.Equal(1, await reflector.EmitAsync(user, "TRANSCRIPT_DURATION", new { id = $"t{i}", duration = i + 0.5 }));
                }
            }

            foreach (var (user, client) in tabs)
            {
                for (var i = 0; i < emitted[user]; i++)
                {
                    Assert.Equal(new InvalidateMessage.TranscriptDurationChanged($"t{i}", i + 0.5), await client.NextMessageAsync());
                }
            }

            // A tab has its message once its group send has written it, which is just before the counter moves.
            await EventuallyAsync(relay, after => after.Value(Relayed) - before.Value(Relayed) >= 8, "8 events are counted as relayed");
            var after = await ScrapeAsync(relay);
            Assert.Equal(8, after.Value(Relayed) - before.Value(Relayed));
            Assert.Equal(8, after.Value(Received) - before.Value(Received));
            Assert.Equal(8, after.Value(DeliveryLagCount) - before.Value(DeliveryLagCount));
            Assert.Equal(0, after.Value(Dropped) - before.Value(Dropped));
        }
        finally
        {
            await Task.WhenAll(tabs.Select(tab => tab.Client.DisposeAsync().AsTask()));
        }
    }

    [Fact]
    public async Task A_malformed_frame_is_counted_as_dropped_with_its_reason()
    {
        await using var relay = new RelayFactory(fixture.Reflector);
        var user = NewUser("malformed");
        await using var client = await relay.ConnectAsync(user);
        await client.WaitForStateAsync(UpstreamState.Connected);
        var before = await ScrapeAsync(relay);

        await fixture.Reflector.SendRawAsync(user, "not json"u8.ToArray(), System.Net.WebSockets.WebSocketMessageType.Text);
        await fixture.Reflector.SendRawAsync(user, """{"event":"TRANSCRIPT_CREATED","data":{}}"""u8.ToArray(), System.Net.WebSockets.WebSocketMessageType.Text);
        // Frames of one socket are handled in order: once this one arrives, the two before it were counted.
        await fixture.Reflector.EmitAsync(user, "TRANSCRIPT_CREATED", new { id = "after" });
        Assert.Equal(new InvalidateMessage.TranscriptCreated("after"), await client.NextMessageAsync());

        var after = await ScrapeAsync(relay);
        Assert.Equal(1, after.Value(Dropped, ("reason", "NotJson")) - before.Value(Dropped, ("reason", "NotJson")));
        Assert.Equal(1, after.Value(Dropped, ("reason", "MissingField")) - before.Value(Dropped, ("reason", "MissingField")));
        Assert.Equal(2, after.Value(Dropped) - before.Value(Dropped));
        Assert.Equal(3, after.Value(Received) - before.Value(Received));
    }

    [Fact]
    public async Task The_upstream_socket_gauge_equals_the_users_connected_not_their_tabs()
    {
        await using var relay = new RelayFactory(fixture.Reflector);
        var users = Enumerable.Range(0, 3).Select(i => NewUser($"gauge{i}")).ToArray();
        var tabs = new List<RelayClient>();
        try
        {
            foreach (var user in users)
            {
                tabs.Add(await relay.ConnectAsync(user));
                tabs.Add(await relay.ConnectAsync(user));
            }

            await Task.WhenAll(tabs.Select(tab => tab.WaitForStateAsync(UpstreamState.Connected)));

            var scrape = await ScrapeAsync(relay);
            Assert.Equal(3, scrape.Value("reflector_relay_upstream_open_sockets"));
            Assert.Equal(3, scrape.Value("reflector_relay_upstreams", ("state", "connected")));
            Assert.Equal(0, scrape.Value("reflector_relay_upstreams", ("state", "reconnecting")));
            Assert.Equal(3, scrape.Value("reflector_relay_users"));
            Assert.Equal(6, scrape.Value("reflector_relay_connections"));
            Assert.Equal(6, scrape.Value("signalr_server_active_connections"));

            // A user leaving entirely takes its socket with it once the linger is over.
            await tabs[0].DisposeAsync();
            await tabs[1].DisposeAsync();
            tabs.RemoveRange(0, 2);
            await EventuallyAsync(relay, s => s.Value("reflector_relay_upstream_open_sockets") == 2, "the first user's upstream closes");
            var later = await ScrapeAsync(relay);
            Assert.Equal(2, later.Value("reflector_relay_users"));
            Assert.Equal(4, later.Value("reflector_relay_connections"));
        }
        finally
        {
            await Task.WhenAll(tabs.Select(tab => tab.DisposeAsync().AsTask()));
        }
    }

    private static string NewUser(string name) => $"metrics-{name}-{Guid.NewGuid():N}";

    private static async Task<PrometheusScrape> ScrapeAsync(RelayFactory relay)
    {
        using var http = new HttpClient();
        return await PrometheusScrape.FromAsync(http, new Uri(relay.BaseAddress, "/metrics"));
    }

    private static async Task EventuallyAsync(RelayFactory relay, Func<PrometheusScrape, bool> condition, string what)
    {
        var deadline = DateTime.UtcNow + TestTimeouts.Default;
        while (!condition(await ScrapeAsync(relay)))
        {
            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException($"Timed out waiting until {what}.");
            }

            await Task.Delay(20);
        }
    }
}
