using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;
using Reflector.Relay.Hubs;

namespace Reflector.Relay.Tests.Hubs;

public sealed class ConnectionRegistryTests
{
    private readonly ConnectionRegistry _registry = new();
    private readonly OutboxPolicy _policy = new(1024, null!, null!, new FakeTimeProvider(), NullLogger.Instance, () => { });

    [Fact]
    public void Connections_are_indexed_by_their_user_and_an_anonymous_one_by_none()
    {
        var alice1 = Add("alice-1", "alice");
        var alice2 = Add("alice-2", "alice");
        var viewer = Add("viewer-1", null);

        Assert.Equal([alice1, alice2], _registry.User("alice").ToArray());
        Assert.Empty(_registry.User("bob"));
        Assert.Same(viewer, _registry.Connection("viewer-1"));
        Assert.Equal(3, _registry.All().Length);
    }

    [Fact]
    public void A_removed_connection_leaves_its_user_and_every_group_and_the_last_one_out_takes_the_entries_with_it()
    {
        var alice1 = Add("alice-1", "alice");
        var alice2 = Add("alice-2", "alice");
        Assert.True(_registry.AddToGroup("alice-1", "t1"));
        Assert.True(_registry.AddToGroup("alice-1", "t2"));
        Assert.True(_registry.AddToGroup("alice-2", "t1"));

        Assert.Same(alice1, _registry.Remove("alice-1"));

        Assert.Equal([alice2], _registry.User("alice").ToArray());
        Assert.Equal([alice2], _registry.Group("t1").ToArray());
        Assert.Empty(_registry.Group("t2"));
        Assert.Null(_registry.Connection("alice-1"));
        Assert.Null(_registry.Remove("alice-1"));

        _registry.Remove("alice-2");
        Assert.Empty(_registry.User("alice"));
        Assert.Empty(_registry.Group("t1"));
        Assert.Equal(0, _registry.Count);
    }

    [Fact]
    public void Joining_a_group_twice_counts_once_and_a_connection_that_is_gone_joins_nothing()
    {
        var tab = Add("tab", "alice");

        Assert.True(_registry.AddToGroup("tab", "t1"));
        Assert.True(_registry.AddToGroup("tab", "t1"));
        Assert.Equal([tab], _registry.Group("t1").ToArray());

        Assert.False(_registry.AddToGroup("gone", "t1"));
        _registry.RemoveFromGroup("gone", "t1");
        Assert.Equal([tab], _registry.Group("t1").ToArray());

        _registry.RemoveFromGroup("tab", "t1");
        Assert.Empty(_registry.Group("t1"));
    }

    [Fact]
    public void A_snapshot_handed_out_does_not_change_when_connections_come_and_go()
    {
        var first = Add("alice-1", "alice");
        var snapshot = _registry.User("alice");

        Add("alice-2", "alice");
        _registry.Remove("alice-1");

        Assert.Equal([first], snapshot.ToArray());
    }

    private ConnectionOutbox Add(string connectionId, string? userId)
    {
        var outbox = new ConnectionOutbox(new PipeHubConnection(connectionId, userId).Context, _policy);
        _registry.Add(outbox, userId);
        return outbox;
    }
}
