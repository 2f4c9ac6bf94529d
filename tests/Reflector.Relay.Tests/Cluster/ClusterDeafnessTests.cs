using Reflector.Relay.Events;
using Reflector.Relay.Tests.Cluster.Infrastructure;
using Reflector.Relay.Tests.Infrastructure;
using Xunit.Abstractions;

namespace Reflector.Relay.Tests.Cluster;

/// <summary>
/// Faults on the way between a holder and its followers (a refused subscribe, the pub/sub connections cut, Redis
/// frozen with its sockets open), each checked against the contract's first promise, per tab: every event emitted
/// after the fault arrives once and in order, or a <c>resync</c> comes before the first one missed. Bounded in
/// rounds; nothing is asserted on timing.
/// </summary>
[Collection(ClusterTests.Name)]
public sealed class ClusterDeafnessTests(ClusterFixture fixture, ITestOutputHelper output) : IClassFixture<ClusterFixture>
{
    [Fact]
    public async Task A_relay_whose_subscribe_Redis_refused_keeps_trying_and_its_tab_hears_the_holder_once_it_succeeds()
    {
        await using var cluster = fixture.NewCluster(output);
        var nodes = await cluster.StartNodesAsync(2);
        var userId = ClusterFixture.NewUser("refused-subscribe");
        await using var holderTab = await nodes[0].ConnectAsync(userId);
        await holderTab.WaitForStateAsync(UpstreamState.Connected);
        await fixture.Reflector.WaitForOpenSocketsAsync(userId, 1, TestTimeouts.Default);

        // Redis up and answering everything but SUBSCRIBE: the second relay's subscribe for its first tab fails.
        await fixture.Redis.CommandAsync("ACL", "SETUSER", "default", "-subscribe");
        RelayClient followerTab;
        try
        {
            followerTab = await nodes[1].ConnectAsync(userId);
            await TestTimeouts.Eventually(
                () => nodes[1].Output.Contains("Subscribing to the channel of", StringComparison.Ordinal),
                "the follower's subscribe failed");
        }
        finally
        {
            await fixture.Redis.CommandAsync("ACL", "SETUSER", "default", "+subscribe");
        }

        await using (followerTab)
        {
            var round = await FaultRound.RunAsync(fixture, userId, [holderTab, followerTab], fault: null, events: 20);
            round.AssertEveryTabHeardEachEventOnceInOrderOrAResyncFirst(output);
        }
    }

    [Fact]
    public async Task When_only_the_pubsub_connections_are_cut_mid_burst_every_tab_hears_each_later_event_once_in_order_or_a_resync_first()
    {
        await using var cluster = fixture.NewCluster(output);
        var nodes = await cluster.StartNodesAsync(3);
        var userId = ClusterFixture.NewUser("pubsub-cut");
        var tabs = await ClusterTabs.OneOnEachInTurnAsync(nodes, fixture, userId);
        try
        {
            for (var round = 0; round < 3; round++)
            {
                var result = await FaultRound.RunAsync(
                    fixture,
                    userId,
                    tabs,
                    fault: () => fixture.Redis.CommandAsync("CLIENT", "KILL", "TYPE", "pubsub"),
                    events: 300);
                result.AssertEveryTabHeardEachEventOnceInOrderOrAResyncFirst(output);
            }

            // Each follower lost its pub/sub connection: it said so to its tabs, and counted it.
            foreach (var follower in nodes.Skip(1))
            {
                var scrape = await follower.ScrapeMetricsAsync();
                Assert.True(
                    scrape.Value("reflector_relay_cluster_resyncs_total", ("reason", "subscription_lost"))
                    + scrape.Value("reflector_relay_cluster_resyncs_total", ("reason", "sequence_gap")) > 0,
                    $"{follower.Name} counted no resync:{Environment.NewLine}{scrape.Text}");
            }
        }
        finally
        {
            await ClusterTabs.DisposeAllAsync(tabs);
        }
    }

    [Fact]
    public async Task When_Redis_is_frozen_with_its_sockets_open_every_tab_hears_each_later_event_once_in_order_or_a_resync_first()
    {
        await using var cluster = fixture.NewCluster(output);
        var nodes = await cluster.StartNodesAsync(2);
        var userId = ClusterFixture.NewUser("redis-paused");
        var tabs = await ClusterTabs.OneOnEachInTurnAsync(nodes, fixture, userId);
        try
        {
            // Frozen past the relays' node timeout and the client's own verdict on the socket, then back.
            var result = await FaultRound.RunAsync(
                fixture,
                userId,
                tabs,
                fault: async () =>
                {
                    await fixture.Redis.PauseAsync();
                    await Task.Delay(TimeSpan.FromSeconds(12));
                    await fixture.Redis.ResumeAsync();
                },
                events: 60,
                spacing: TimeSpan.FromMilliseconds(250));
            result.AssertEveryTabHeardEachEventOnceInOrderOrAResyncFirst(output);
        }
        finally
        {
            if (!fixture.Redis.IsRunning)
            {
                await fixture.Redis.RestartAsync();
            }

            await ClusterTabs.DisposeAllAsync(tabs);
        }
    }

    [Fact]
    public async Task When_Redis_restarts_empty_mid_stream_every_tab_hears_each_later_event_once_in_order_or_a_resync_first()
    {
        await using var cluster = fixture.NewCluster(output);
        var nodes = await cluster.StartNodesAsync(3);
        var userId = ClusterFixture.NewUser("redis-restarted");
        var tabs = await ClusterTabs.OneOnEachInTurnAsync(nodes, fixture, userId);
        try
        {
            for (var round = 0; round < 2; round++)
            {
                var result = await FaultRound.RunAsync(
                    fixture,
                    userId,
                    tabs,
                    fault: async () =>
                    {
                        await fixture.Redis.KillAsync();
                        await Task.Delay(TimeSpan.FromSeconds(2));
                        await fixture.Redis.RestartAsync();
                    },
                    events: 60,
                    spacing: TimeSpan.FromMilliseconds(100));
                result.AssertEveryTabHeardEachEventOnceInOrderOrAResyncFirst(output);
            }
        }
        finally
        {
            await ClusterTabs.DisposeAllAsync(tabs);
        }
    }

    /// <summary>
    /// One round: the tabs' queues drained, a stream of numbered events emitted with the fault injected once a few
    /// have gone out, then markers until every tab has heard one. What each tab heard is checked afterwards.
    /// </summary>
    private sealed class FaultRound
    {
        private readonly List<string> _emitted = [];
        private readonly List<List<InvalidateMessage>> _heard = [];

        public static async Task<FaultRound> RunAsync(
            ClusterFixture fixture, string userId, IReadOnlyList<RelayClient> tabs, Func<Task>? fault, int events, TimeSpan? spacing = null)
        {
            var round = new FaultRound();
            foreach (var tab in tabs)
            {
                while (tab.TryTakeMessage(out _))
                {
                }
            }

            var prefix = Guid.NewGuid().ToString("N")[..8];
            var readers = tabs.Select(tab => ReadUntilMarkerAsync(tab, prefix)).ToList();
            Task faulted = Task.CompletedTask;
            for (var i = 0; i < events; i++)
            {
                if (i == events / 5 && fault is not null)
                {
                    // Beside the stream of events, so they keep coming while the fault lasts.
                    faulted = fault();
                }

                var id = $"{prefix}-event-{i}";
                round._emitted.Add(id);
                await fixture.Reflector.EmitAsync(userId, "TRANSCRIPT_CREATED", new { id });
                if (spacing is { } wait)
                {
                    await Task.Delay(wait);
                }
            }

            await faulted;

            // Markers until each tab has heard one: one may fall in a gap too, and must be checked like the rest.
            var all = Task.WhenAll(readers);
            for (var i = 0; i < 20 && !all.IsCompleted; i++)
            {
                var id = $"{prefix}-marker-{i}";
                round._emitted.Add(id);
                await fixture.Reflector.EmitAsync(userId, "TRANSCRIPT_CREATED", new { id });
                await Task.WhenAny(all, Task.Delay(TimeSpan.FromSeconds(1)));
            }

            round._heard.AddRange(await all.DefaultTimeout());
            return round;
        }

        public void AssertEveryTabHeardEachEventOnceInOrderOrAResyncFirst(ITestOutputHelper output)
        {
            for (var tab = 0; tab < _heard.Count; tab++)
            {
                var heard = _heard[tab];
                output.WriteLine(
                    $"tab {tab}: {heard.Count(message => message is not InvalidateMessage.Resync)} of {_emitted.Count} events, " +
                    $"{heard.Count(message => message is InvalidateMessage.Resync)} resync(s)");
                var next = 0;
                var resyncSince = false;
                foreach (var message in heard)
                {
                    if (message is InvalidateMessage.Resync)
                    {
                        resyncSince = true;
                        continue;
                    }

                    if (message is not InvalidateMessage.TranscriptCreated { TranscriptId: var id } || _emitted.IndexOf(id) is not (var at and >= 0))
                    {
                        continue;
                    }

                    if (at < next)
                    {
                        Assert.Fail($"tab {tab} heard {id} again or out of order (expected {_emitted[next]} or later)");
                    }

                    if (at > next && !resyncSince)
                    {
                        Assert.Fail($"tab {tab} missed {at - next} event(s), {_emitted[next]} to {_emitted[at - 1]}, with no resync before {id}");
                    }

                    next = at + 1;
                    resyncSince = false;
                }
            }
        }

        private static Task<List<InvalidateMessage>> ReadUntilMarkerAsync(RelayClient tab, string prefix) =>
            tab.NextMessagesUntilAsync(message =>
                message is InvalidateMessage.TranscriptCreated { TranscriptId: var id } && id.StartsWith($"{prefix}-marker-", StringComparison.Ordinal));
    }
}
