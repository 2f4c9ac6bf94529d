using System.Diagnostics.Metrics;
using System.Net.WebSockets;
using System.Text;
using Microsoft.AspNetCore.SignalR.Client;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.Metrics.Testing;
using Reflector.Relay.Diagnostics;
using Reflector.Relay.Events;
using Reflector.Relay.Tests.Infrastructure;

namespace Reflector.Relay.Tests.Streams;

/// <summary>Faults of the upstream, as browser tabs connected through the relay experience them.</summary>
public sealed class UpstreamResilienceTests(ReflectorFixture fixture) : IClassFixture<ReflectorFixture>
{
    // Attempts each user must fail while Reflector is down, before it comes back.
    private const int FailedAttemptsPerUser = 3;

    private static string NewUser() => "resilience-" + Guid.NewGuid().ToString("N");

    [Fact]
    public async Task A_dropped_upstream_reconnects_and_every_tab_is_told_to_resync()
    {
        await using var relay = new RelayFactory(fixture.Reflector);
        var userId = NewUser();
        await using var tab1 = await relay.ConnectAsync(userId);
        await using var tab2 = await relay.ConnectAsync(userId);
        await tab1.WaitForStateAsync(UpstreamState.Connected);
        await tab2.WaitForStateAsync(UpstreamState.Connected);
        await fixture.Reflector.WaitForOpenSocketsAsync(userId, 1, TestTimeouts.Default);

        await fixture.Reflector.DropAllAsync();

        foreach (var tab in new[] { tab1, tab2 })
        {
            // A tab may have seen "connected" twice while joining (broadcast and snapshot); look past it.
            await tab.WaitForStateAsync(UpstreamState.Reconnecting);
            await tab.WaitForStateAsync(UpstreamState.Connected);
            Assert.Equal(new InvalidateMessage.Resync(ResyncReason.UpstreamReconnected), await tab.NextMessageAsync());
        }

        await fixture.Reflector.AssertHandshakesAsync(userId, 2);
        await fixture.Reflector.WaitForOpenSocketsAsync(userId, 1, TestTimeouts.Default);
        await fixture.Reflector.EmitAsync(userId, "TRANSCRIPT_CREATED", new { id = "after-drop" });
        Assert.Equal(new InvalidateMessage.TranscriptCreated("after-drop"), await tab1.NextMessageAsync());
        Assert.Equal(new InvalidateMessage.TranscriptCreated("after-drop"), await tab2.NextMessageAsync());
    }

    [Fact]
    public async Task A_refusing_upstream_marks_the_user_unauthorized_without_retrying_the_same_token()
    {
        await using var relay = new RelayFactory(fixture.Reflector);
        var userId = NewUser();
        var refusedBefore = fixture.Reflector.RefusedHandshakes;
        fixture.Reflector.RefuseAll = true;
        try
        {
            var token = relay.TokenFor(userId);
            await using var tab = relay.CreateClient(token);
            await tab.StartAsync();
            await tab.WaitForStateAsync(UpstreamState.Unauthorized);

            // The browser connection stays up; the relay does not hammer the API with a token it refused.
            await using var sameTokenTab = relay.CreateClient(token);
            await sameTokenTab.StartAsync();
            Assert.Equal(UpstreamStatus.Unauthorized, await sameTokenTab.NextStatusAsync());
            Assert.Equal(HubConnectionState.Connected, tab.Connection.State);
            Assert.Equal(refusedBefore + 1, fixture.Reflector.RefusedHandshakes);
        }
        finally
        {
            fixture.Reflector.RefuseAll = false;
        }
    }

    [Fact]
    public async Task A_close_with_code_4401_is_a_refusal_and_a_normal_close_is_a_reconnect()
    {
        await using var relay = new RelayFactory(fixture.Reflector);
        var userId = NewUser();
        await using var tab = await relay.ConnectAsync(userId);
        await tab.WaitForStateAsync(UpstreamState.Connected);
        await fixture.Reflector.WaitForOpenSocketsAsync(userId, 1, TestTimeouts.Default);

        // An ordinary server close (a restart, say) is just a gap.
        await fixture.Reflector.CloseAllAsync(1001);
        await tab.WaitForStateAsync(UpstreamState.Reconnecting);
        await tab.WaitForStateAsync(UpstreamState.Connected);
        Assert.Equal(new InvalidateMessage.Resync(ResyncReason.UpstreamReconnected), await tab.NextMessageAsync());
        await fixture.Reflector.WaitForOpenSocketsAsync(userId, 1, TestTimeouts.Default);

        // 4401 means the token is no longer accepted: the user needs a fresh one, no reconnect with this one.
        await fixture.Reflector.CloseAllAsync(4401);
        await tab.WaitForStateAsync(UpstreamState.Unauthorized);
        await fixture.Reflector.WaitForOpenSocketsAsync(userId, 0, TestTimeouts.Default);
        await fixture.Reflector.AssertHandshakesAsync(userId, 2);

        // A tab with a fresh token restores the stream.
        await using var freshTab = relay.CreateClient(relay.TokenFor(userId, TimeSpan.FromHours(2)));
        await freshTab.StartAsync();
        await tab.WaitForStateAsync(UpstreamState.Connected);
        await fixture.Reflector.AssertHandshakesAsync(userId, 3);
    }

    [Fact]
    public async Task A_whole_upstream_outage_of_seconds_brings_every_user_back_without_dropping_browsers()
    {
        await using var relay = new RelayFactory(fixture.Reflector);
        var users = Enumerable.Range(0, 5).Select(_ => NewUser()).ToArray();
        var tabs = new List<(string UserId, RelayClient Client)>();
        foreach (var userId in users)
        {
            for (var i = 0; i < 2; i++)
            {
                tabs.Add((userId, await relay.ConnectAsync(userId)));
            }
        }

        try
        {
            await Task.WhenAll(tabs.Select(tab => tab.Client.WaitForStateAsync(UpstreamState.Connected)));
            await Task.WhenAll(users.Select(user => fixture.Reflector.WaitForOpenSocketsAsync(user, 1, TestTimeouts.Default)));

            var turnedAwayBefore = fixture.Reflector.UnavailableHandshakes;
            fixture.Reflector.BeginOutage();
            try
            {
                // The outage lasts until every user has failed several attempts, however long that takes.
                await Task.WhenAll(tabs.Select(tab => WaitForScheduledRetriesAsync(tab.Client, FailedAttemptsPerUser + 1)));
            }
            finally
            {
                fixture.Reflector.EndOutage();
            }

            // Those retries were real: Reflector turned the attempts away, it did not merely hear of them.
            var turnedAway = fixture.Reflector.UnavailableHandshakes - turnedAwayBefore;
            Assert.True(
                turnedAway >= users.Length * FailedAttemptsPerUser,
                $"{turnedAway} attempts reached Reflector during the outage, expected at least {FailedAttemptsPerUser} for each of {users.Length} users");

            await Task.WhenAll(tabs.Select(async tab =>
            {
                await tab.Client.WaitForStateAsync(UpstreamState.Connected);
                Assert.Equal(new InvalidateMessage.Resync(ResyncReason.UpstreamReconnected), await tab.Client.NextMessageAsync());
            }));
            await Task.WhenAll(users.Select(user => fixture.Reflector.WaitForOpenSocketsAsync(user, 1, TestTimeouts.Default)));
            // One socket before the outage and one after it, for each user.
            foreach (var user in users)
            {
                await fixture.Reflector.AssertHandshakesAsync(user, 2);
            }

            foreach (var (userId, client) in tabs)
            {
                Assert.Equal(HubConnectionState.Connected, client.Connection.State);
                Assert.False(client.Closed.IsCompleted);
            }

            await Task.WhenAll(users.Select(user => fixture.Reflector.EmitAsync(user, "TRANSCRIPT_DELETED", new { id = "after-" + user })));
            foreach (var (userId, client) in tabs)
            {
                Assert.Equal(new InvalidateMessage.TranscriptDeleted("after-" + userId), await client.NextMessageAsync());
            }
        }
        finally
        {
            await Task.WhenAll(tabs.Select(tab => tab.Client.DisposeAsync().AsTask()));
        }
    }

    [Fact]
    public async Task Malformed_frames_of_every_kind_are_dropped_counted_and_the_stream_goes_on()
    {
        await using var relay = new RelayFactory(fixture.Reflector);
        using var dropped = new MetricCollector<long>(
            relay.Services.GetRequiredService<IMeterFactory>(), RelayMetrics.MeterName, "reflector_relay.events.dropped");
        var userId = NewUser();
        await using var tab = await relay.ConnectAsync(userId);
        await tab.WaitForStateAsync(UpstreamState.Connected);
        await fixture.Reflector.WaitForOpenSocketsAsync(userId, 1, TestTimeouts.Default);

        var badFrames = new (byte[] Payload, WebSocketMessageType Type, DropReason Reason)[]
        {
            ("not json at all"u8.ToArray(), WebSocketMessageType.Text, DropReason.NotJson),
            ("[\"TRANSCRIPT_CREATED\"]"u8.ToArray(), WebSocketMessageType.Text, DropReason.NotAnObject),
            ("{\"event\":\"TRANSCRIPT_TOPIC\",\"data\":{\"topic\":\"t\"}}"u8.ToArray(), WebSocketMessageType.Text, DropReason.UnknownEvent),
            ("{\"event\":\"TRANSCRIPT_STATUS\",\"data\":{\"id\":\"t\"}}"u8.ToArray(), WebSocketMessageType.Text, DropReason.MissingField),
            ("{\"event\":\"TRANSCRIPT_DURATION\",\"data\":{\"id\":\"t\",\"duration\":\"long\"}}"u8.ToArray(), WebSocketMessageType.Text, DropReason.WrongFieldType),
            ("{\"event\":\"TRANSCRIPT_CREATED\",\"data\":{\"id\":\"\"}}"u8.ToArray(), WebSocketMessageType.Text, DropReason.InvalidFieldValue),
            ("{\"event\":\"TRANSCRIPT_CREATED\"}"u8.ToArray(), WebSocketMessageType.Text, DropReason.MissingData),
            ([0x01, 0x02, 0x03], WebSocketMessageType.Binary, DropReason.BinaryFrame),
            ([], WebSocketMessageType.Text, DropReason.EmptyFrame),
            (Oversized(), WebSocketMessageType.Text, DropReason.TooLarge),
        };
        foreach (var (payload, type, _) in badFrames)
        {
            Assert.Equal(1, await fixture.Reflector.SendRawAsync(userId, payload, type));
        }

        // A valid frame larger than the relay's first receive buffer still arrives whole.
        var longTitle = new string('t', 20_000);
        await fixture.Reflector.EmitAsync(userId, "TRANSCRIPT_FINAL_TITLE", new { id = "big", title = longTitle });
        await fixture.Reflector.EmitAsync(userId, "TRANSCRIPT_CREATED", new { id = "still-flowing" });

        Assert.Equal(new InvalidateMessage.TranscriptTitleChanged("big", longTitle), await tab.NextMessageAsync());
        Assert.Equal(new InvalidateMessage.TranscriptCreated("still-flowing"), await tab.NextMessageAsync());
        Assert.Equal(1, fixture.Reflector.Handshakes(userId));

        var measurements = dropped.GetMeasurementSnapshot();
        foreach (var (_, _, reason) in badFrames)
        {
            Assert.Contains(measurements, m => (string?)m.Tags["reason"] == reason.ToString() && m.Value == 1);
        }

        Assert.Equal(badFrames.Length, measurements.Sum(m => m.Value));
    }

    [Fact]
    public async Task Reloading_a_tab_inside_the_linger_reuses_the_upstream_socket()
    {
        await using var relay = new RelayFactory(fixture.Reflector, new Dictionary<string, string?> { ["Upstream:Linger"] = "00:00:05" });
        var userId = NewUser();
        var tab = await relay.ConnectAsync(userId);
        await tab.WaitForStateAsync(UpstreamState.Connected);
        await tab.DisposeAsync();

        // The old tab is gone and the socket lingers: only now is the reload a reuse across the linger.
        await TestTimeouts.Eventually(
            () => relay.Upstreams.ConnectionsOf(userId) == 0 && relay.Upstreams.HasUpstream(userId), "the old tab was released");
        await using var reloaded = await relay.ConnectAsync(userId);

        Assert.Equal(UpstreamStatus.Connected, await reloaded.NextStatusAsync());
        Assert.Equal(1, fixture.Reflector.Handshakes(userId));
    }

    [Fact]
    public async Task A_silent_upstream_is_noticed_by_keep_alive_and_replaced()
    {
        await using var proxy = new BlackHoleProxy(fixture.Reflector.EventsUrl);
        await using var relay = new RelayFactory(fixture.Reflector, new Dictionary<string, string?>
        {
            ["Upstream:EventsUrl"] = $"ws://127.0.0.1:{proxy.Port}/v1/events",
            ["Upstream:KeepAliveInterval"] = "00:00:00.200",
            ["Upstream:KeepAliveTimeout"] = "00:00:00.300",
        });
        var userId = NewUser();
        await using var tab = await relay.ConnectAsync(userId);
        await tab.WaitForStateAsync(UpstreamState.Connected);

        proxy.SilenceOpenConnections();

        await tab.WaitForStateAsync(UpstreamState.Reconnecting);
        await tab.WaitForStateAsync(UpstreamState.Connected);
        Assert.Equal(new InvalidateMessage.Resync(ResyncReason.UpstreamReconnected), await tab.NextMessageAsync());
        await fixture.Reflector.AssertHandshakesAsync(userId, 2);
    }

    /// <summary>
    /// Reads the tab's statuses until <paramref name="count"/> retries were scheduled. The first follows the lost
    /// socket; each later one follows an attempt that failed.
    /// </summary>
    private static async Task WaitForScheduledRetriesAsync(RelayClient tab, int count)
    {
        for (var scheduled = 0; scheduled < count;)
        {
            if (await tab.NextStatusAsync() is { State: UpstreamState.Reconnecting, RetryInMs: > 0 })
            {
                scheduled++;
            }
        }
    }

    private static byte[] Oversized()
    {
        var builder = new StringBuilder("{\"event\":\"TRANSCRIPT_FINAL_TITLE\",\"data\":{\"id\":\"t\",\"title\":\"");
        builder.Append('x', 70 * 1024).Append("\"}}");
        return Encoding.UTF8.GetBytes(builder.ToString());
    }
}
