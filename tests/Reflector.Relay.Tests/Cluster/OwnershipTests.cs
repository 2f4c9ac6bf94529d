using Reflector.Relay.Events;
using Reflector.Relay.Tests.Cluster.Infrastructure;
using Reflector.Relay.Tests.Infrastructure;
using Xunit.Abstractions;

namespace Reflector.Relay.Tests.Cluster;

/// <summary>
/// Relays on one Redis, each a real process, in front of one simulated Reflector that counts sockets and handshakes:
/// one socket per user however the user's tabs are spread, every event to every tab once and in order, one linger
/// for the whole cluster, and status everywhere.
/// </summary>
[Collection(ClusterTests.Name)]
public sealed class OwnershipTests(ClusterFixture fixture, ITestOutputHelper output) : IClassFixture<ClusterFixture>
{
    [Fact]
    public async Task Tabs_of_a_user_on_three_relays_share_one_socket_opened_with_one_handshake()
    {
        await using var cluster = fixture.NewCluster(output);
        var nodes = await cluster.StartNodesAsync(3);
        var userId = ClusterFixture.NewUser("one-socket");

        // All at once, two tabs per relay: the relays race for the user's socket and exactly one wins.
        var tabs = await Task.WhenAll(nodes.Concat(nodes).Select(node => node.ConnectAsync(userId)));
        try
        {
            foreach (var tab in tabs)
            {
                await tab.WaitForStateAsync(UpstreamState.Connected);
            }

            await fixture.Reflector.WaitForOpenSocketsAsync(userId, 1, TestTimeouts.Default);
            Assert.Equal(1, fixture.Reflector.Handshakes(userId));

            var held = 0.0;
            foreach (var node in nodes)
            {
                held += (await node.ScrapeMetricsAsync()).Value("reflector_relay_upstream_open_sockets");
            }

            Assert.Equal(1, held);
        }
        finally
        {
            await ClusterTabs.DisposeAllAsync(tabs);
        }
    }

    [Fact]
    public async Task Every_tab_on_every_relay_gets_every_event_once_and_in_order_and_nothing_of_another_user()
    {
        await using var cluster = fixture.NewCluster(output);
        var nodes = await cluster.StartNodesAsync(3);
        var alice = ClusterFixture.NewUser("alice");
        var bob = ClusterFixture.NewUser("bob");
        var aliceTabs = await Task.WhenAll(nodes.Select(node => node.ConnectAsync(alice)));
        var bobTabs = await Task.WhenAll(nodes.Select(node => node.ConnectAsync(bob)));
        // A tab of Alice's on the second relay that never reads: it must hold back nobody, on any relay.
        using var stalled = await StalledTab.OpenAsync(nodes[1].HubUrl, fixture.TokenFor(alice), statefulReconnect: false);
        try
        {
            foreach (var tab in aliceTabs.Concat(bobTabs))
            {
                await tab.WaitForStateAsync(UpstreamState.Connected);
            }

            await fixture.Reflector.WaitForOpenSocketsAsync(alice, 1, TestTimeouts.Default);
            await fixture.Reflector.WaitForOpenSocketsAsync(bob, 1, TestTimeouts.Default);

            const int events = 300;
            var title = new string('t', 1024);
            for (var i = 0; i < events; i++)
            {
                await fixture.Reflector.EmitAsync(alice, "TRANSCRIPT_FINAL_TITLE", new { id = "a" + i, title });
                if (i % 10 == 0)
                {
                    await fixture.Reflector.EmitAsync(bob, "TRANSCRIPT_CREATED", new { id = "b" + i });
                }
            }

            await fixture.Reflector.EmitAsync(alice, "TRANSCRIPT_CREATED", new { id = "alice-end" });
            await fixture.Reflector.EmitAsync(bob, "TRANSCRIPT_CREATED", new { id = "bob-end" });

            foreach (var tab in aliceTabs)
            {
                for (var i = 0; i < events; i++)
                {
                    Assert.Equal(new InvalidateMessage.TranscriptTitleChanged("a" + i, title), await tab.NextMessageAsync());
                }

                Assert.Equal(new InvalidateMessage.TranscriptCreated("alice-end"), await tab.NextMessageAsync());
            }

            foreach (var tab in bobTabs)
            {
                for (var i = 0; i < events; i += 10)
                {
                    Assert.Equal(new InvalidateMessage.TranscriptCreated("b" + i), await tab.NextMessageAsync());
                }

                Assert.Equal(new InvalidateMessage.TranscriptCreated("bob-end"), await tab.NextMessageAsync());
            }

            Assert.Equal(1, fixture.Reflector.Handshakes(alice));
        }
        finally
        {
            await ClusterTabs.DisposeAllAsync(aliceTabs.Concat(bobTabs));
        }
    }

    [Fact]
    public async Task The_socket_stays_open_while_any_relay_has_a_tab_and_closes_after_the_last_tab_anywhere_leaves()
    {
        await using var cluster = fixture.NewCluster(output);
        var nodes = await cluster.StartNodesAsync(3);
        var userId = ClusterFixture.NewUser("linger");
        var tabs = await ClusterTabs.OneOnEachInTurnAsync(nodes.Take(2), fixture, userId);
        await using var second = tabs[1];

        // The holder's own tab leaves; its linger passes, and the socket stays for the tab on the other relay.
        await tabs[0].DisposeAsync();
        await ClusterTabs.KeptForOtherRelaysAsync(nodes[0]);
        await fixture.Reflector.EmitAsync(userId, "TRANSCRIPT_CREATED", new { id = "after-holder-tab-left" });
        Assert.Equal(new InvalidateMessage.TranscriptCreated("after-holder-tab-left"), await second.NextMessageAsync());

        // Handed from tab to tab across relays, never without one: the same socket throughout.
        await using (var third = await nodes[2].ConnectAsync(userId))
        {
            await third.WaitForStateAsync(UpstreamState.Connected);
            await second.DisposeAsync();
            await fixture.Reflector.EmitAsync(userId, "TRANSCRIPT_CREATED", new { id = "third" });
            Assert.Equal(new InvalidateMessage.TranscriptCreated("third"), await third.NextMessageAsync());
            Assert.Equal(1, fixture.Reflector.OpenSockets(userId));
        }

        // No tab anywhere: the linger runs out and the socket closes.
        await fixture.Reflector.WaitForOpenSocketsAsync(userId, 0, TestTimeouts.Default);
        Assert.Equal(1, fixture.Reflector.Handshakes(userId));
    }

    [Fact]
    public async Task A_tab_that_arrives_on_another_relay_inside_the_linger_reuses_the_socket()
    {
        await using var cluster = fixture.NewCluster(output);
        // Long enough that connecting a tab on a loaded machine surely fits inside it.
        var nodes = await cluster.StartNodesAsync(2, new Dictionary<string, string?> { ["Upstream__Linger"] = "00:00:05" });
        var userId = ClusterFixture.NewUser("linger-reuse");
        await using (var first = await nodes[0].ConnectAsync(userId))
        {
            await first.WaitForStateAsync(UpstreamState.Connected);
            await fixture.Reflector.WaitForOpenSocketsAsync(userId, 1, TestTimeouts.Default);
        }

        await using var arriving = await nodes[1].ConnectAsync(userId);
        await arriving.WaitForStateAsync(UpstreamState.Connected);
        await ClusterTabs.KeptForOtherRelaysAsync(nodes[0]);

        await fixture.Reflector.EmitAsync(userId, "TRANSCRIPT_CREATED", new { id = "reused" });
        Assert.Equal(new InvalidateMessage.TranscriptCreated("reused"), await arriving.NextMessageAsync());
        Assert.Equal(1, fixture.Reflector.Handshakes(userId));
        Assert.Equal(1, fixture.Reflector.OpenSockets(userId));
    }

    [Fact]
    public async Task A_gap_upstream_reaches_the_tabs_on_every_relay_as_reconnecting_connected_and_resync()
    {
        await using var cluster = fixture.NewCluster(output);
        var nodes = await cluster.StartNodesAsync(3);
        var userId = ClusterFixture.NewUser("status");
        // On joining, each tab is told the state of the one socket, wherever it is held.
        var tabs = await ClusterTabs.OneOnEachInTurnAsync(nodes, fixture, userId);
        try
        {
            await fixture.Reflector.DropAllAsync();

            foreach (var tab in tabs)
            {
                await tab.WaitForStateAsync(UpstreamState.Reconnecting);
                await tab.WaitForStateAsync(UpstreamState.Connected);
                Assert.Equal(new InvalidateMessage.Resync(ResyncReason.UpstreamReconnected), await tab.NextMessageAsync());
            }

            await fixture.Reflector.AssertHandshakesAsync(userId, 2);
        }
        finally
        {
            await ClusterTabs.DisposeAllAsync(tabs);
        }
    }

    [Fact]
    public async Task No_token_ever_passes_through_Redis()
    {
        await using var cluster = fixture.NewCluster(output);
        await using var monitor = await RedisMonitor.StartAsync(fixture.Redis);
        var nodes = await cluster.StartNodesAsync(2);
        var userId = ClusterFixture.NewUser("tokens");
        var tokens = new[] { fixture.TokenFor(userId), fixture.TokenFor(userId, TimeSpan.FromHours(2)) };
        var tabs = new List<RelayClient>();
        try
        {
            for (var i = 0; i < nodes.Count; i++)
            {
                var tab = nodes[i].CreateClient(tokens[i]);
                tabs.Add(tab);
                await tab.StartAsync();
                await tab.WaitForStateAsync(UpstreamState.Connected);
            }

            await fixture.Reflector.EmitAsync(userId, "TRANSCRIPT_CREATED", new { id = "t1" });
            foreach (var tab in tabs)
            {
                Assert.Equal(new InvalidateMessage.TranscriptCreated("t1"), await tab.NextMessageAsync());
            }
        }
        finally
        {
            await ClusterTabs.DisposeAllAsync(tabs);
        }

        await fixture.Reflector.WaitForOpenSocketsAsync(userId, 0, TestTimeouts.Default);
        var seen = await monitor.StopAsync();
        // The monitor saw the cluster at work (claims, publications) but never a token, whole or in part.
        Assert.Contains(userId, seen, StringComparison.Ordinal);
        Assert.Contains("PUBLISH", seen, StringComparison.OrdinalIgnoreCase);
        foreach (var token in tokens)
        {
            foreach (var part in token.Split('.'))
            {
                Assert.DoesNotContain(part, seen, StringComparison.Ordinal);
            }
        }
    }

    [Fact]
    public async Task When_the_holder_has_no_tab_left_and_its_socket_drops_a_relay_with_the_users_tabs_takes_it_over()
    {
        await using var cluster = fixture.NewCluster(output);
        var nodes = await cluster.StartNodesAsync(2);
        var userId = ClusterFixture.NewUser("handover");
        var tabs = await ClusterTabs.OneOnEachInTurnAsync(nodes, fixture, userId);
        await using var second = tabs[1];
        await tabs[0].DisposeAsync();
        await ClusterTabs.KeptForOtherRelaysAsync(nodes[0]);

        // The holder has no token to reconnect with; the relay that has the tab does.
        await fixture.Reflector.DropAllAsync();

        await second.WaitForStateAsync(UpstreamState.Reconnecting);
        await second.WaitForStateAsync(UpstreamState.Connected);
        Assert.Equal(new InvalidateMessage.Resync(ResyncReason.UpstreamReconnected), await second.NextMessageAsync());
        await fixture.Reflector.WaitForOpenSocketsAsync(userId, 1, TestTimeouts.Default);
        await fixture.Reflector.AssertHandshakesAsync(userId, 2);
        var secondNode = await nodes[1].ScrapeMetricsAsync();
        Assert.Equal(1, secondNode.Value("reflector_relay_upstream_open_sockets"));

        await fixture.Reflector.EmitAsync(userId, "TRANSCRIPT_CREATED", new { id = "after-handover" });
        Assert.Equal(new InvalidateMessage.TranscriptCreated("after-handover"), await second.NextMessageAsync());
    }
}
