using System.Diagnostics.Metrics;
using Microsoft.AspNetCore.SignalR;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.Metrics.Testing;
using Reflector.Relay.Diagnostics;
using Reflector.Relay.Events;
using Reflector.Relay.Tests.Infrastructure;
using Xunit.Abstractions;

namespace Reflector.Relay.Tests.Hubs;

/// <summary>
/// A tab that stops reading beside one that keeps up; the relay's stall watchdog must be what disconnects the stalled
/// one, and its counter must say so. SignalR has two reasons of its own to drop such a tab: its client timeout (no
/// pings for 30 s), pushed out of reach here, and its WebSocket transport's send timeout (a socket send blocked for
/// 10 s, not configurable from outside the hub's mapping), which comes later than the watchdog's 5 s.
/// </summary>
public sealed class SlowConnectionTests(ReflectorFixture fixture, ITestOutputHelper output) : IClassFixture<ReflectorFixture>
{
    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task A_tab_that_keeps_reading_is_never_cut_off_by_a_burst_while_its_stalled_sibling_is_disconnected(bool statefulReconnect)
    {
        await using var relay = NewRelay();
        using var counters = new RelayCounters(relay);
        var userId = "burst-" + Guid.NewGuid().ToString("N");
        await using var reading = relay.CreateClient(relay.TokenFor(userId), statefulReconnect: statefulReconnect);
        await reading.StartAsync();
        await reading.WaitForStateAsync(UpstreamState.Connected);
        using var stalled = await StalledTab.OpenAsync(relay, relay.TokenFor(userId), statefulReconnect);
        await TestTimeouts.Eventually(() => relay.Upstreams.ConnectionsOf(userId) == 2, "the stalled tab joined");

        // 15,000 events of 2 KB, about 30 MB: far more than socket buffers and the 1 MiB budget hold.
        const int events = 15_000;
        var title = new string('t', 2 * 1024);
        for (var i = 0; i < events; i++)
        {
            await fixture.Reflector.EmitAsync(userId, "TRANSCRIPT_FINAL_TITLE", new { id = "t" + i, title });
        }

        // Every event arrives in order; where the tab fell past its budget, a resync (overflow) stands for the gap.
        var expected = 0;
        var overflows = 0;
        var resyncPending = false;
        while (expected < events)
        {
            switch (await reading.NextMessageAsync())
            {
                case InvalidateMessage.Resync { Reason: ResyncReason.Overflow }:
                    overflows++;
                    resyncPending = true;
                    break;
                case InvalidateMessage.TranscriptTitleChanged changed:
                    var index = int.Parse(changed.TranscriptId[1..], System.Globalization.CultureInfo.InvariantCulture);
                    Assert.True(index >= expected, $"event {index} arrived after event {expected - 1}");
                    Assert.True(index == expected || resyncPending, $"events {expected}..{index - 1} went missing without a resync");
                    resyncPending = false;
                    expected = index + 1;
                    break;
                case var other:
                    Assert.Fail($"unexpected message {other}");
                    break;
            }
        }

        output.WriteLine($"The reading tab received the last event after {overflows} overflow resyncs.");

        // The stalled tab takes nothing and the watchdog disconnects it; the reading one is still there.
        await TestTimeouts.Eventually(() => relay.Upstreams.ConnectionsOf(userId) == 1, "the stalled tab was disconnected");
        Assert.Equal(1, counters.Stalled);
        Assert.False(reading.Closed.IsCompleted, "the reading tab was disconnected");
        await fixture.Reflector.EmitAsync(userId, "TRANSCRIPT_CREATED", new { id = "after" });
        Assert.Equal(new InvalidateMessage.TranscriptCreated("after"), await reading.NextMessageAsync());
        Assert.Equal(1, fixture.Reflector.Handshakes(userId));
    }

    private RelayFactory NewRelay() =>
        new(
            fixture.Reflector,
            new Dictionary<string, string?>
            {
                // Short enough for a test; the default is 30 seconds.
                ["Limits:StalledConnectionTimeout"] = "00:00:05",
            },
            // A stalled tab sends no pings either: SignalR would drop it after ClientTimeoutInterval, for another reason.
            services => services.Configure<HubOptions>(options => options.ClientTimeoutInterval = TimeSpan.FromMinutes(10)));

    /// <summary>The relay's counter of connections its watchdog disconnected for stalling.</summary>
    private sealed class RelayCounters(RelayFactory relay) : IDisposable
    {
        private readonly MetricCollector<long> _stalled = new(
            relay.Services.GetRequiredService<IMeterFactory>(), RelayMetrics.MeterName, "reflector_relay.connections.stalled");

        public long Stalled => _stalled.GetMeasurementSnapshot().EvaluateAsCounter();

        public void Dispose() => _stalled.Dispose();
    }
}
