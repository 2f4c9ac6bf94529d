using System.Diagnostics;
using Reflector.Relay.Events;
using Reflector.Relay.Tests.Cluster.Infrastructure;
using Reflector.Relay.Tests.Infrastructure;
using Xunit.Abstractions;

namespace Reflector.Relay.Tests.Cluster;

/// <summary>
/// Faults a cluster meets in production, made for real: the holder's process killed without a goodbye or paused,
/// Redis killed and restarted empty, a relay stopped with SIGTERM, tabs churning across relays.
/// </summary>
[Collection(ClusterTests.Name)]
public sealed class ClusterChaosTests(ClusterFixture fixture, ITestOutputHelper output) : IClassFixture<ClusterFixture>
{
    [Fact]
    public async Task When_the_holder_is_killed_a_relay_with_the_users_tabs_opens_the_socket_and_its_tabs_hear_reconnecting_connected_resync()
    {
        await using var cluster = fixture.NewCluster(output);
        var nodes = await cluster.StartNodesAsync(3);
        var userId = ClusterFixture.NewUser("failover");
        var holderTab = await nodes[0].ConnectAsync(userId);
        await holderTab.WaitForStateAsync(UpstreamState.Connected);
        await fixture.Reflector.WaitForOpenSocketsAsync(userId, 1, TestTimeouts.Default);
        var others = new[] { await nodes[1].ConnectAsync(userId), await nodes[2].ConnectAsync(userId) };
        try
        {
            foreach (var tab in others)
            {
                await tab.WaitForStateAsync(UpstreamState.Connected);
            }

            var killedAt = Stopwatch.StartNew();
            await nodes[0].KillAsync();

            foreach (var tab in others)
            {
                await tab.WaitForStateAsync(UpstreamState.Reconnecting);
                await tab.WaitForStateAsync(UpstreamState.Connected);
                Assert.Equal(new InvalidateMessage.Resync(ResyncReason.UpstreamReconnected), await tab.NextMessageAsync());
            }

            output.WriteLine($"Failover: every tab back to connected {killedAt.Elapsed.TotalSeconds:0.00} s after SIGKILL.");
            await fixture.Reflector.WaitForOpenSocketsAsync(userId, 1, TestTimeouts.Default);
            await fixture.Reflector.AssertHandshakesAsync(userId, 2);

            await fixture.Reflector.EmitAsync(userId, "TRANSCRIPT_CREATED", new { id = "after-failover" });
            foreach (var tab in others)
            {
                Assert.Equal(new InvalidateMessage.TranscriptCreated("after-failover"), await tab.NextMessageAsync());
            }

            var failovers = 0.0;
            foreach (var node in nodes.Skip(1))
            {
                failovers += (await node.ScrapeMetricsAsync()).Value("reflector_relay_cluster_claims_won_total", ("kind", "failover"));
            }

            Assert.Equal(1, failovers);
        }
        finally
        {
            await ClusterTabs.DisposeAllAsync(others);
            await holderTab.DisposeAsync();
        }
    }

    [Fact]
    public async Task A_holder_killed_and_started_again_under_the_same_fixed_node_id_is_a_new_node_so_its_users_fail_over()
    {
        // As a StatefulSet names its pods: the process started again keeps the name its killed predecessor had.
        var pinned = new Dictionary<string, string?> { ["Cluster__NodeId"] = "relay-0" };
        await using var cluster = fixture.NewCluster(output);
        var holder = await cluster.StartNodeAsync(pinned);
        var other = await cluster.StartNodeAsync();
        var userId = ClusterFixture.NewUser("pinned-node");
        var holderTab = await holder.ConnectAsync(userId);
        await holderTab.WaitForStateAsync(UpstreamState.Connected);
        await fixture.Reflector.WaitForOpenSocketsAsync(userId, 1, TestTimeouts.Default);
        var otherTab = await other.ConnectAsync(userId);
        try
        {
            await otherTab.WaitForStateAsync(UpstreamState.Connected);

            await holder.KillAsync();
            // Back at once, well within the node timeout, saying it is alive under the same name.
            await cluster.StartNodeAsync(pinned);

            await otherTab.WaitForStateAsync(UpstreamState.Reconnecting);
            await otherTab.WaitForStateAsync(UpstreamState.Connected);
            Assert.Equal(new InvalidateMessage.Resync(ResyncReason.UpstreamReconnected), await otherTab.NextMessageAsync());
            await fixture.Reflector.WaitForOpenSocketsAsync(userId, 1, TestTimeouts.Default);
            await fixture.Reflector.EmitAsync(userId, "TRANSCRIPT_CREATED", new { id = "after-restart" });
            Assert.Equal(new InvalidateMessage.TranscriptCreated("after-restart"), await otherTab.NextMessageAsync());
        }
        finally
        {
            await otherTab.DisposeAsync();
            await holderTab.DisposeAsync();
        }
    }

    [Fact]
    public async Task A_paused_holder_loses_its_socket_to_another_relay_and_once_resumed_delivers_nothing_twice()
    {
        await using var cluster = fixture.NewCluster(output);
        var nodes = await cluster.StartNodesAsync(3);
        var userId = ClusterFixture.NewUser("paused");
        var tabs = await ClusterTabs.OneOnEachInTurnAsync(nodes, fixture, userId);
        try
        {
            await nodes[0].PauseAsync();
            foreach (var tab in tabs.Skip(1))
            {
                await tab.WaitForStateAsync(UpstreamState.Reconnecting);
                await tab.WaitForStateAsync(UpstreamState.Connected);
                Assert.Equal(new InvalidateMessage.Resync(ResyncReason.UpstreamReconnected), await tab.NextMessageAsync());
            }

            // The paused relay's socket is still open upstream: an event now reaches it and the new holder alike.
            await fixture.Reflector.WaitForOpenSocketsAsync(userId, 2, TestTimeouts.Default);
            await fixture.Reflector.EmitAsync(userId, "TRANSCRIPT_CREATED", new { id = "during-pause" });
            await nodes[0].ResumeAsync();

            // Resumed, it learns its claim is gone and lets its socket go.
            await fixture.Reflector.WaitForOpenSocketsAsync(userId, 1, TestTimeouts.Default);
            await fixture.Reflector.EmitAsync(userId, "TRANSCRIPT_CREATED", new { id = "after-resume" });
            await fixture.Reflector.EmitAsync(userId, "TRANSCRIPT_CREATED", new { id = "marker" });

            var duringPause = new InvalidateMessage.TranscriptCreated("during-pause");
            foreach (var tab in tabs)
            {
                var seen = await InvalidationsUntilAsync(tab, new InvalidateMessage.TranscriptCreated("marker"));
                Assert.Equal(1, seen.Count(message => message == new InvalidateMessage.TranscriptCreated("after-resume")));
                // The old holder's stale copy is dropped on the other relays; on its own relay the event comes at
                // most once (its socket's copy waits for a claim it no longer has; a resync covers it there).
                Assert.Equal(tab == tabs[0] ? Math.Min(1, seen.Count(message => message == duringPause)) : 1, seen.Count(message => message == duringPause));
            }
        }
        finally
        {
            await ClusterTabs.DisposeAllAsync(tabs);
        }
    }

    [Fact]
    public async Task A_holder_cut_off_from_Redis_alone_serves_its_own_tabs_and_lets_its_socket_go_once_it_is_back()
    {
        await using var cluster = fixture.NewCluster(output);
        await using var link = new SeveringProxy(new Uri($"tcp://{fixture.Redis.ConnectionString}"));
        var isolated = await cluster.StartNodeAsync(new Dictionary<string, string?>
        {
            ["ConnectionStrings__Redis"] = $"127.0.0.1:{link.BaseAddress.Port}",
        });
        var other = await cluster.StartNodeAsync();
        var userId = ClusterFixture.NewUser("cut-off");
        await using var isolatedTab = await isolated.ConnectAsync(userId);
        await isolatedTab.WaitForStateAsync(UpstreamState.Connected);
        await fixture.Reflector.WaitForOpenSocketsAsync(userId, 1, TestTimeouts.Default);
        await using var otherTab = await other.ConnectAsync(userId);
        await otherTab.WaitForStateAsync(UpstreamState.Connected);

        link.Refusing = true;
        link.SeverAll();

        // The other relay gives the silent one up and opens a socket for its own tab; the cut-off relay keeps
        // serving its tab from the socket it has.
        await otherTab.WaitForStateAsync(UpstreamState.Reconnecting);
        await otherTab.WaitForStateAsync(UpstreamState.Connected);
        await fixture.Reflector.WaitForOpenSocketsAsync(userId, 2, TestTimeouts.Default);
        await fixture.Reflector.EmitAsync(userId, "TRANSCRIPT_CREATED", new { id = "while-cut-off" });
        await fixture.Reflector.EmitAsync(userId, "TRANSCRIPT_CREATED", new { id = "marker-1" });
        foreach (var tab in new[] { isolatedTab, otherTab })
        {
            var seen = await InvalidationsUntilAsync(tab, new InvalidateMessage.TranscriptCreated("marker-1"));
            Assert.Equal(1, seen.Count(message => message == new InvalidateMessage.TranscriptCreated("while-cut-off")));
        }

        // Reconnected, it finds its claim taken and follows the other relay's socket.
        link.Refusing = false;
        await fixture.Reflector.WaitForOpenSocketsAsync(userId, 1, TestTimeouts.Default);
        await TestTimeouts.EventuallyAsync(
            async () => (await isolated.ScrapeMetricsAsync()).Value("reflector_relay_cluster_claims_lost_total") == 1,
            "the cut-off relay counted its lost claim");
        await fixture.Reflector.EmitAsync(userId, "TRANSCRIPT_CREATED", new { id = "reunited" });
        await fixture.Reflector.EmitAsync(userId, "TRANSCRIPT_CREATED", new { id = "marker-2" });
        foreach (var tab in new[] { isolatedTab, otherTab })
        {
            var seen = await InvalidationsUntilAsync(tab, new InvalidateMessage.TranscriptCreated("marker-2"));
            Assert.Equal(1, seen.Count(message => message == new InvalidateMessage.TranscriptCreated("reunited")));
        }
    }

    [Fact]
    public async Task A_holder_that_lets_go_while_cut_off_from_Redis_frees_the_user_for_other_relays_once_it_is_back()
    {
        await using var cluster = fixture.NewCluster(output);
        await using var link = new SeveringProxy(new Uri($"tcp://{fixture.Redis.ConnectionString}"));
        var holder = await cluster.StartNodeAsync(new Dictionary<string, string?>
        {
            ["ConnectionStrings__Redis"] = $"127.0.0.1:{link.BaseAddress.Port}",
        });
        var other = await cluster.StartNodeAsync();
        var userId = ClusterFixture.NewUser("late-release");
        await using (var tab = await holder.ConnectAsync(userId))
        {
            await tab.WaitForStateAsync(UpstreamState.Connected);
            await fixture.Reflector.WaitForOpenSocketsAsync(userId, 1, TestTimeouts.Default);
            link.Refusing = true;
            link.SeverAll();
        }

        // Its last tab gone, the holder closes the socket; its claim cannot be released in Redis now.
        await fixture.Reflector.WaitForOpenSocketsAsync(userId, 0, TestTimeouts.Default);
        link.Refusing = false;

        // Back in touch, it releases the claim, so a tab on another relay gets a socket.
        await using var arriving = await other.ConnectAsync(userId);
        await arriving.WaitForStateAsync(UpstreamState.Connected);
        await fixture.Reflector.WaitForOpenSocketsAsync(userId, 1, TestTimeouts.Default);
        var freed = new InvalidateMessage.TranscriptCreated("freed");
        await fixture.Reflector.EmitAsync(userId, "TRANSCRIPT_CREATED", new { id = freed.TranscriptId });
        Assert.Equal([freed], await InvalidationsUntilAsync(arriving, freed));
        await fixture.Reflector.AssertHandshakesAsync(userId, 2);
    }

    [Fact]
    public async Task While_Redis_is_down_for_thirty_seconds_every_tab_keeps_receiving_and_once_it_returns_empty_the_cluster_is_back_to_one_socket()
    {
        await using var cluster = fixture.NewCluster(output);
        var nodes = await cluster.StartNodesAsync(3);
        var userId = ClusterFixture.NewUser("redis-outage");
        var tabs = await ClusterTabs.OneOnEachInTurnAsync(nodes, fixture, userId);
        try
        {
            await fixture.Redis.KillAsync();

            // Each relay serves its tabs from a socket of its own.
            await fixture.Reflector.WaitForOpenSocketsAsync(userId, 3, TestTimeouts.Default);
            foreach (var node in nodes)
            {
                await TestTimeouts.EventuallyAsync(
                    async () => (await node.ScrapeMetricsAsync()).Value("reflector_relay_cluster_redis_connected") == 0,
                    $"{node.Name} reports Redis down");
            }

            // Thirty seconds of outage, an event each second: every tab receives every one.
            var outage = Stopwatch.StartNew();
            for (var second = 0; outage.Elapsed < TimeSpan.FromSeconds(30); second++)
            {
                var during = new InvalidateMessage.TranscriptCreated($"during-outage-{second}");
                await fixture.Reflector.EmitAsync(userId, "TRANSCRIPT_CREATED", new { id = during.TranscriptId });
                foreach (var tab in tabs)
                {
                    Assert.Equal(1, (await InvalidationsUntilAsync(tab, during)).Count(message => message == during));
                }

                await Task.Delay(TimeSpan.FromSeconds(1));
            }

            var returnedAt = Stopwatch.StartNew();
            await fixture.Redis.RestartAsync();
            await fixture.Reflector.WaitForOpenSocketsAsync(userId, 1, TestTimeouts.Default);
            output.WriteLine($"Back to one socket {returnedAt.Elapsed.TotalSeconds:0.00} s after Redis returned empty.");

            await fixture.Reflector.EmitAsync(userId, "TRANSCRIPT_CREATED", new { id = "after-outage" });
            await fixture.Reflector.EmitAsync(userId, "TRANSCRIPT_CREATED", new { id = "marker" });
            foreach (var tab in tabs)
            {
                var seen = await InvalidationsUntilAsync(tab, new InvalidateMessage.TranscriptCreated("marker"));
                Assert.Equal(1, seen.Count(message => message == new InvalidateMessage.TranscriptCreated("after-outage")));
                Assert.False(tab.Closed.IsCompleted, "a tab was disconnected");
            }
        }
        finally
        {
            await ClusterTabs.DisposeAllAsync(tabs);
        }
    }

    [Fact]
    public async Task SIGTERM_hands_the_holders_users_to_the_other_relays_at_once_without_waiting_for_its_claim_to_lapse()
    {
        await using var cluster = fixture.NewCluster(output);
        // A relay counts as dead only after a minute: a takeover within the test's bounds can only be a handover.
        var nodes = await cluster.StartNodesAsync(2, new Dictionary<string, string?> { ["Cluster__NodeTimeout"] = "00:01:00" });
        var userId = ClusterFixture.NewUser("sigterm");
        await using var leaving = await nodes[0].ConnectAsync(userId);
        await leaving.WaitForStateAsync(UpstreamState.Connected);
        await fixture.Reflector.WaitForOpenSocketsAsync(userId, 1, TestTimeouts.Default);
        await using var staying = await nodes[1].ConnectAsync(userId);
        await staying.WaitForStateAsync(UpstreamState.Connected);

        nodes[0].SendSigterm();

        Assert.Equal(0, await nodes[0].WaitForExitAsync());
        await staying.WaitForStateAsync(UpstreamState.Reconnecting);
        await staying.WaitForStateAsync(UpstreamState.Connected);
        Assert.Equal(new InvalidateMessage.Resync(ResyncReason.UpstreamReconnected), await staying.NextMessageAsync());
        await fixture.Reflector.WaitForOpenSocketsAsync(userId, 1, TestTimeouts.Default);
        Assert.Contains(System.Net.WebSockets.WebSocketCloseStatus.EndpointUnavailable, fixture.Reflector.ClientCloseStatuses);

        // The leaving relay's tab comes back through the load balancer, here straight to the other relay.
        await using var returning = await nodes[1].ConnectAsync(userId);
        await returning.WaitForStateAsync(UpstreamState.Connected);
        await fixture.Reflector.EmitAsync(userId, "TRANSCRIPT_CREATED", new { id = "after-deploy" });
        Assert.Equal(new InvalidateMessage.TranscriptCreated("after-deploy"), await staying.NextMessageAsync());
        Assert.Equal(new InvalidateMessage.TranscriptCreated("after-deploy"), await returning.NextMessageAsync());
        await fixture.Reflector.AssertHandshakesAsync(userId, 2);
    }

    [Fact]
    public async Task Tabs_churning_across_relays_always_leave_exactly_one_socket_per_user_with_tabs_and_none_without()
    {
        await using var cluster = fixture.NewCluster(output);
        var nodes = await cluster.StartNodesAsync(3);
        var users = Enumerable.Range(0, 6).Select(i => ClusterFixture.NewUser("churn" + i)).ToArray();
        var tabs = new List<(string User, RelayClient Tab)>();
        var random = new Random(20261201);
        try
        {
            for (var round = 0; round < 5; round++)
            {
                // Joins and leaves at once, on random relays.
                var leaving = tabs.Where(_ => random.Next(3) == 0).ToList();
                var joining = users.Where(_ => random.Next(2) == 0).Select(user => (User: user, Node: nodes[random.Next(nodes.Count)])).ToList();
                var joined = await Task.WhenAll(joining.Select(async join =>
                {
                    var tab = await join.Node.ConnectAsync(join.User);
                    // The status sent on joining: from here on the tab is part of its user's stream.
                    await tab.NextStatusAsync();
                    return (join.User, Tab: tab);
                }));
                await Task.WhenAll(leaving.Select(left => left.Tab.DisposeAsync().AsTask()));
                tabs.RemoveAll(leaving.Contains);
                tabs.AddRange(joined);

                foreach (var user in users)
                {
                    var expected = tabs.Any(tab => tab.User == user) ? 1 : 0;
                    await fixture.Reflector.WaitForOpenSocketsAsync(user, expected, TestTimeouts.Default);
                }

                // Every remaining tab is served. An event sent while a socket is being handed from a lingering
                // relay to a tab's relay may fall in the gap (the tabs get a resync for it), so it is sent again.
                foreach (var user in users.Where(user => tabs.Any(tab => tab.User == user)))
                {
                    var waiting = tabs.Where(tab => tab.User == user).Select(tab => tab.Tab).ToList();
                    for (var attempt = 0; waiting.Count > 0 && attempt < 5; attempt++)
                    {
                        await fixture.Reflector.EmitAsync(user, "TRANSCRIPT_CREATED", new { id = $"round-{round}-{attempt}" });
                        foreach (var tab in waiting.ToList())
                        {
                            while (await tab.NextMessageWithinAsync(TimeSpan.FromSeconds(2)) is { } message)
                            {
                                if (message is InvalidateMessage.TranscriptCreated { TranscriptId: var id } && id.StartsWith($"round-{round}-", StringComparison.Ordinal))
                                {
                                    waiting.Remove(tab);
                                    break;
                                }
                            }
                        }
                    }

                    Assert.Empty(waiting);
                }
            }
        }
        finally
        {
            await ClusterTabs.DisposeAllAsync(tabs.Select(tab => tab.Tab));
        }

        foreach (var user in users)
        {
            await fixture.Reflector.WaitForOpenSocketsAsync(user, 0, TestTimeouts.Default);
        }
    }

    /// <summary>Invalidations up to and including <paramref name="last"/>, resyncs left out.</summary>
    private static async Task<List<InvalidateMessage>> InvalidationsUntilAsync(RelayClient tab, InvalidateMessage last) =>
        [.. (await tab.NextMessagesUntilAsync(message => message == last)).Where(message => message is not InvalidateMessage.Resync)];
}
