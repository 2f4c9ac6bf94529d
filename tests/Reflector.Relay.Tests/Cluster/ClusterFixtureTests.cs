using System.Net;
using System.Net.Sockets;
using Reflector.Relay.Events;
using Reflector.Relay.Tests.Cluster.Infrastructure;
using Reflector.Relay.Tests.Infrastructure;
using Xunit.Abstractions;

namespace Reflector.Relay.Tests.Cluster;

/// <summary>
/// The cluster tests' own machinery, proven on its own: a Redis that dies and comes back empty, relay processes
/// that start with a Redis connection string, serve a tab, and can be killed or paused. Nothing here depends on
/// what the relay does with Redis.
/// </summary>
[Collection(ClusterTests.Name)]
public sealed class ClusterFixtureTests(ClusterFixture fixture, ITestOutputHelper output) : IClassFixture<ClusterFixture>
{
    [Fact]
    public async Task Redis_answers_dies_on_SIGKILL_and_comes_back_empty_on_the_same_port()
    {
        await using var cluster = fixture.NewCluster(output);
        var redis = cluster.Redis;
        var port = redis.Port;
        Assert.Equal("OK", await redis.CommandAsync("SET", "before-restart", "1"));
        Assert.Equal("1", await redis.CommandAsync("GET", "before-restart"));
        Assert.Equal(["before-restart"], await redis.KeysAsync("before-*"));

        await redis.KillAsync();

        Assert.False(redis.IsRunning);
        var refused = await Assert.ThrowsAsync<SocketException>(() => redis.CommandAsync("PING"));
        Assert.Equal(SocketError.ConnectionRefused, refused.SocketErrorCode);

        await redis.RestartAsync();

        Assert.Equal(port, redis.Port);
        Assert.Equal($"127.0.0.1:{port}", redis.ConnectionString);
        Assert.Equal("PONG", await redis.CommandAsync("PING"));
        Assert.Null(await redis.CommandAsync("GET", "before-restart"));
        Assert.Empty(await redis.KeysAsync());
    }

    [Fact]
    public async Task Redis_listens_on_loopback_only()
    {
        var bind = (object?[])(await fixture.Redis.CommandAsync("CONFIG", "GET", "bind"))!;
        var save = (object?[])(await fixture.Redis.CommandAsync("CONFIG", "GET", "save"))!;
        var appendOnly = (object?[])(await fixture.Redis.CommandAsync("CONFIG", "GET", "appendonly"))!;

        Assert.Equal(["bind", "127.0.0.1"], bind);
        Assert.Equal(["save", ""], save);
        Assert.Equal(["appendonly", "no"], appendOnly);
    }

    [Fact]
    public async Task Nodes_given_Redis_start_and_deliver_an_event_to_a_tab_on_each()
    {
        await using var cluster = fixture.NewCluster(output);
        var nodes = await cluster.StartNodesAsync(2);
        var userId = ClusterFixture.NewUser("fixture-event");
        Assert.NotEqual(nodes[0].BaseAddress, nodes[1].BaseAddress);
        Assert.All(nodes, node => Assert.Equal(IPAddress.Loopback.ToString(), node.BaseAddress.Host));

        await using var first = await nodes[0].ConnectAsync(userId);
        await using var second = await nodes[1].ConnectAsync(userId);
        await first.WaitForStateAsync(UpstreamState.Connected);
        await second.WaitForStateAsync(UpstreamState.Connected);
        // Whether the nodes hold one socket between them (a cluster) or one each (today), both tabs are served.
        await fixture.Reflector.EmitAsync(userId, "TRANSCRIPT_CREATED", new { id = "t1" });

        Assert.Equal(new InvalidateMessage.TranscriptCreated("t1"), await first.NextMessageAsync());
        Assert.Equal(new InvalidateMessage.TranscriptCreated("t1"), await second.NextMessageAsync());
        var scrape = await nodes[0].ScrapeMetricsAsync();
        Assert.True(scrape.Has("reflector_relay_upstreams"), "the node's /metrics lacks its upstream gauge");
    }

    [Fact]
    public async Task SIGKILL_ends_a_node_and_its_sockets_without_a_goodbye()
    {
        await using var cluster = fixture.NewCluster(output);
        var node = await cluster.StartNodeAsync();
        var userId = ClusterFixture.NewUser("fixture-kill");
        await using var tab = await node.ConnectAsync(userId);
        await tab.WaitForStateAsync(UpstreamState.Connected);
        await fixture.Reflector.WaitForOpenSocketsAsync(userId, 1, TestTimeouts.Default);
        var closesBefore = fixture.Reflector.ClientCloseStatuses.Count;

        await node.KillAsync();

        Assert.True(node.HasExited);
        Assert.Equal(128 + 9, await node.WaitForExitAsync());
        await fixture.Reflector.WaitForOpenSocketsAsync(userId, 0, TestTimeouts.Default);
        // No close frame reached the simulator: the socket just ended.
        Assert.Equal([null], fixture.Reflector.ClientCloseStatuses.Skip(closesBefore));
        Assert.NotNull(await tab.Closed.DefaultTimeout());
    }

    [Fact]
    public async Task SIGSTOP_pauses_a_node_and_SIGCONT_lets_it_deliver_what_arrived_meanwhile()
    {
        await using var cluster = fixture.NewCluster(output);
        var node = await cluster.StartNodeAsync();
        var userId = ClusterFixture.NewUser("fixture-pause");
        await using var tab = await node.ConnectAsync(userId);
        await tab.WaitForStateAsync(UpstreamState.Connected);
        await fixture.Reflector.WaitForOpenSocketsAsync(userId, 1, TestTimeouts.Default);

        await node.PauseAsync();
        // Accepted by the node's kernel socket buffer; the stopped process cannot pass it on.
        Assert.Equal(1, await fixture.Reflector.EmitAsync(userId, "TRANSCRIPT_CREATED", new { id = "while-paused" }));

        Assert.True(node.IsPaused);
        Assert.False(tab.TryTakeMessage(out _));

        await node.ResumeAsync();

        Assert.False(node.IsPaused);
        Assert.Equal(new InvalidateMessage.TranscriptCreated("while-paused"), await tab.NextMessageAsync());
    }

    [Fact]
    public async Task A_node_that_cannot_start_fails_with_its_own_output()
    {
        await using var cluster = fixture.NewCluster(output);

        var failure = await Assert.ThrowsAsync<InvalidOperationException>(
            () => cluster.StartNodeAsync(new Dictionary<string, string?> { ["Upstream__EventsUrl"] = "" }));

        Assert.Contains("exited before it started", failure.Message, StringComparison.Ordinal);
        Assert.Contains("Upstream:EventsUrl (environment variable Upstream__EventsUrl) is required", failure.Message, StringComparison.Ordinal);
    }
}
