using System.Collections.Immutable;

namespace Reflector.Relay.Hubs;

/// <summary>
/// The hub's connections, the one place they are kept: each connection's outbox, the connections of each user, and
/// the members of each group. Lookups hand out immutable snapshots, so a send walks its connections outside the lock.
/// </summary>
internal sealed class ConnectionRegistry
{
    private readonly Lock _lock = new();
    private readonly Dictionary<string, Registered> _connections = new(StringComparer.Ordinal);
    private readonly Dictionary<string, ImmutableArray<ConnectionOutbox>> _byUser = new(StringComparer.Ordinal);
    private readonly Dictionary<string, ImmutableArray<ConnectionOutbox>> _byGroup = new(StringComparer.Ordinal);

    public int Count
    {
        get
        {
            lock (_lock)
            {
                return _connections.Count;
            }
        }
    }

    /// <param name="userId">The user the connection authenticated as; none for an anonymous viewer.</param>
    public void Add(ConnectionOutbox outbox, string? userId)
    {
        lock (_lock)
        {
            _connections[outbox.ConnectionId] = new Registered(outbox, userId);
            if (userId is { Length: > 0 })
            {
                Join(_byUser, userId, outbox);
            }
        }
    }

    /// <summary>Forgets the connection, its user's index entry and its group memberships.</summary>
    /// <returns>Its outbox, or <see langword="null"/> when it was not registered.</returns>
    public ConnectionOutbox? Remove(string connectionId)
    {
        lock (_lock)
        {
            if (!_connections.Remove(connectionId, out var registered))
            {
                return null;
            }

            if (registered.UserId is { Length: > 0 } userId)
            {
                Leave(_byUser, userId, registered.Outbox);
            }

            foreach (var group in registered.Groups)
            {
                Leave(_byGroup, group, registered.Outbox);
            }

            return registered.Outbox;
        }
    }

    /// <returns><see langword="false"/> when no such connection is registered (it left meanwhile).</returns>
    public bool AddToGroup(string connectionId, string group)
    {
        lock (_lock)
        {
            if (!_connections.TryGetValue(connectionId, out var registered))
            {
                return false;
            }

            if (!registered.Groups.Contains(group, StringComparer.Ordinal))
            {
                registered.Groups = registered.Groups.Add(group);
                Join(_byGroup, group, registered.Outbox);
            }

            return true;
        }
    }

    public void RemoveFromGroup(string connectionId, string group)
    {
        lock (_lock)
        {
            if (_connections.TryGetValue(connectionId, out var registered) && registered.Groups.Contains(group, StringComparer.Ordinal))
            {
                registered.Groups = registered.Groups.Remove(group, StringComparer.Ordinal);
                Leave(_byGroup, group, registered.Outbox);
            }
        }
    }

    public ConnectionOutbox? Connection(string connectionId)
    {
        lock (_lock)
        {
            return _connections.TryGetValue(connectionId, out var registered) ? registered.Outbox : null;
        }
    }

    public ImmutableArray<ConnectionOutbox> User(string userId)
    {
        lock (_lock)
        {
            return _byUser.GetValueOrDefault(userId, []);
        }
    }

    public ImmutableArray<ConnectionOutbox> Group(string group)
    {
        lock (_lock)
        {
            return _byGroup.GetValueOrDefault(group, []);
        }
    }

    public ConnectionOutbox[] All()
    {
        lock (_lock)
        {
            var outboxes = new ConnectionOutbox[_connections.Count];
            var i = 0;
            foreach (var registered in _connections.Values)
            {
                outboxes[i++] = registered.Outbox;
            }

            return outboxes;
        }
    }

    private static void Join(Dictionary<string, ImmutableArray<ConnectionOutbox>> index, string key, ConnectionOutbox outbox) =>
        index[key] = index.TryGetValue(key, out var outboxes) ? outboxes.Add(outbox) : [outbox];

    private static void Leave(Dictionary<string, ImmutableArray<ConnectionOutbox>> index, string key, ConnectionOutbox outbox)
    {
        if (!index.TryGetValue(key, out var outboxes))
        {
            return;
        }

        outboxes = outboxes.Remove(outbox);
        if (outboxes.IsEmpty)
        {
            index.Remove(key);
        }
        else
        {
            index[key] = outboxes;
        }
    }

    private sealed class Registered(ConnectionOutbox outbox, string? userId)
    {
        public ConnectionOutbox Outbox { get; } = outbox;

        public string? UserId { get; } = userId;

        // Written under the registry's lock only. Few per connection (its transcript subscriptions).
        public ImmutableArray<string> Groups { get; set; } = [];
    }
}
