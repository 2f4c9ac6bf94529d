using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;
using Reflector.Relay.Diagnostics;
using Reflector.Relay.Events;
using Reflector.Relay.Hubs;
using Reflector.Relay.Limits;

namespace Reflector.Relay.Tests.Hubs;

/// <summary>
/// The lifetime manager over connections whose clients read only when the test does: each has a write in flight
/// before a send is made, so a send that went around the outboxes (awaiting the connection as SignalR's default
/// manager does) would still be pending, and would leave the outbox empty.
/// </summary>
public sealed class OutboxHubLifetimeManagerTests : IAsyncLifetime
{
    private readonly ServiceProvider _services = new ServiceCollection().AddMetrics().BuildServiceProvider();
    private readonly FakeTimeProvider _time = new();
    private readonly OutboxHubLifetimeManager _manager;
    private readonly PipeHubConnection[] _clients =
    [
        new("alice-1", "alice"),
        new("alice-2", "alice"),
        new("bob-1", "bob"),
        new("viewer-1"),
    ];

    public OutboxHubLifetimeManagerTests() =>
        _manager = NewManager(new ConnectionLimitsOptions(), _services, _time);

    public async Task InitializeAsync()
    {
        foreach (var client in _clients)
        {
            await _manager.OnConnectedAsync(client.Context);
        }

        await _manager.AddToGroupAsync("alice-1", "g");
        await _manager.AddToGroupAsync("bob-1", "g");
        await _manager.AddToGroupAsync("viewer-1", "h");
    }

    [Theory]
    [InlineData("All", "alice-1 alice-2 bob-1 viewer-1")]
    [InlineData("AllExcept", "alice-1 bob-1 viewer-1")]
    [InlineData("Connection", "alice-2")]
    [InlineData("Connections", "alice-1 viewer-1")]
    [InlineData("Group", "alice-1 bob-1")]
    [InlineData("Groups", "alice-1 bob-1 viewer-1")]
    [InlineData("GroupExcept", "alice-1")]
    [InlineData("User", "alice-1 alice-2")]
    [InlineData("Users", "alice-1 alice-2 bob-1")]
    public async Task Every_send_is_queued_in_order_to_the_outbox_of_each_of_its_connections_once_and_to_no_other(string send, string recipients)
    {
        var to = recipients.Split(' ');
        // Every client is now behind: the write of "first" waits until the test reads it.
        await _manager.SendAllAsync(ClientMethods.Invalidate, [Created("first")]);

        Task[] sends = [Send(send, "m1"), Send(send, "m2")];

        Assert.All(sends, sent => Assert.True(sent.IsCompletedSuccessfully, $"{send} waited for a connection"));
        foreach (var client in _clients)
        {
            Assert.Equal(to.Contains(client.ConnectionId), _manager.Connections.Connection(client.ConnectionId)!.QueuedBytes > 0);
        }

        await _manager.SendAllAsync(ClientMethods.Invalidate, [Created("last")]);
        foreach (var client in _clients)
        {
            string[] expected = to.Contains(client.ConnectionId) ? ["first", "m1", "m2", "last"] : ["first", "last"];
            Assert.Equal(
                expected.Select(id => "invalidate transcriptCreated " + id),
                await client.ReadMessagesAsync(expected.Length));
        }
    }

    [Fact]
    public async Task A_disconnected_connection_leaves_its_user_and_its_groups()
    {
        await _manager.OnDisconnectedAsync(_clients[0].Context);

        Assert.Null(_manager.Connections.Connection("alice-1"));
        Assert.Equal(["alice-2"], _manager.Connections.User("alice").Select(outbox => outbox.ConnectionId));
        Assert.Equal(["bob-1"], _manager.Connections.Group("g").Select(outbox => outbox.ConnectionId));
        Assert.Equal(3, _manager.Connections.Count);

        // A late join of a connection already gone changes nothing.
        await _manager.AddToGroupAsync("alice-1", "h");
        Assert.Equal(["viewer-1"], _manager.Connections.Group("h").Select(outbox => outbox.ConnectionId));
    }

    [Fact]
    public async Task A_connection_removed_from_a_group_no_longer_gets_its_sends_and_the_last_one_out_forgets_the_group()
    {
        await _manager.RemoveFromGroupAsync("viewer-1", "h");
        await _manager.RemoveFromGroupAsync("bob-1", "g");

        Assert.Empty(_manager.Connections.Group("h"));
        Assert.Equal(["alice-1"], _manager.Connections.Group("g").Select(outbox => outbox.ConnectionId));
    }

    [Fact]
    public async Task The_argument_type_decides_what_stands_for_a_backlog_that_overflows()
    {
        var manager = NewManager(new ConnectionLimitsOptions { MaxQueuedBytesPerConnection = 1024 }, _services, _time);
        var client = new PipeHubConnection("tab", "carol");
        await manager.OnConnectedAsync(client.Context);
        await manager.SendUserAsync("carol", ClientMethods.Invalidate, [Created("first")]);

        await manager.SendUserAsync("carol", ClientMethods.UpstreamStatus, [UpstreamStatus.Reconnecting()]);
        await manager.SendConnectionsAsync(["tab"], ClientMethods.TranscriptEvent, [new TranscriptEventMessage.FinalTitle("t1", new string('x', 400))]);
        await manager.SendUserAsync("carol", ClientMethods.Invalidate, [Created("queued")]);
        await manager.SendUserAsync("carol", ClientMethods.UpstreamStatus, [UpstreamStatus.Connected]);
        // Past the budget: the backlog collapses.
        await manager.SendConnectionAsync("tab", ClientMethods.TranscriptEvent, [new TranscriptEventMessage.FinalTitle("t2", new string('x', 800))]);

        Assert.Equal(
            ["invalidate transcriptCreated first", "invalidate resync overflow", "transcriptEvent resync overflow t1", "transcriptEvent resync overflow t2", "upstreamStatus connected"],
            await client.ReadMessagesAsync(5));
        client.Context.Abort();
        await manager.OnDisconnectedAsync(client.Context);
        manager.Dispose();
    }

    [Fact]
    public async Task Client_results_are_refused_as_not_supported()
    {
        await Assert.ThrowsAsync<NotSupportedException>(() => _manager.InvokeConnectionAsync<int>("alice-1", "ask", [], CancellationToken.None));
    }

    private Task Send(string send, string id)
    {
        object?[] args = [Created(id)];
        const string method = ClientMethods.Invalidate;
        return send switch
        {
            "All" => _manager.SendAllAsync(method, args),
            "AllExcept" => _manager.SendAllExceptAsync(method, args, ["alice-2"]),
            "Connection" => _manager.SendConnectionAsync("alice-2", method, args),
            "Connections" => _manager.SendConnectionsAsync(["alice-1", "viewer-1", "alice-1", "gone"], method, args),
            "Group" => _manager.SendGroupAsync("g", method, args),
            "Groups" => _manager.SendGroupsAsync(["g", "h", "g", "none"], method, args),
            "GroupExcept" => _manager.SendGroupExceptAsync("g", method, args, ["bob-1"]),
            "User" => _manager.SendUserAsync("alice", method, args),
            "Users" => _manager.SendUsersAsync(["bob", "alice", "bob", "nobody"], method, args),
            _ => throw new ArgumentOutOfRangeException(nameof(send), send, null),
        };
    }

    private static InvalidateMessage.TranscriptCreated Created(string id) => new(id);

    internal static OutboxHubLifetimeManager NewManager(ConnectionLimitsOptions limits, IServiceProvider services, TimeProvider time) =>
        new(Options.Create(limits), new RelayMetrics(services.GetRequiredService<System.Diagnostics.Metrics.IMeterFactory>()), time,
            NullLogger<OutboxHubLifetimeManager>.Instance);

    public async Task DisposeAsync()
    {
        foreach (var client in _clients)
        {
            client.Context.Abort();
            await _manager.OnDisconnectedAsync(client.Context);
        }

        _manager.Dispose();
        await _services.DisposeAsync();
    }
}
