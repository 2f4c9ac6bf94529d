using System.Collections.Concurrent;
using System.Collections.Immutable;
using Microsoft.AspNetCore.SignalR;
using Microsoft.AspNetCore.SignalR.Protocol;
using Microsoft.Extensions.Options;
using Reflector.Relay.Diagnostics;
using Reflector.Relay.Limits;

namespace Reflector.Relay.Hubs;

/// <summary>
/// SignalR's default lifetime manager plus the relay's own fan-out: every connection gets an
/// <see cref="ConnectionOutbox"/>, and a message for a user is serialized once and queued to each of that
/// user's connections without waiting for any of them. SignalR's group send awaits every connection's
/// flush, so one tab that stops reading would otherwise hold back its siblings.
/// </summary>
internal sealed class UserFanOutLifetimeManager : DefaultHubLifetimeManager<UserEventsHub>
{
    private readonly ConcurrentDictionary<string, ConnectionOutbox> _byConnection = new(StringComparer.Ordinal);
    private readonly Lock _usersLock = new();
    private readonly Dictionary<string, ImmutableArray<ConnectionOutbox>> _byUser = new(StringComparer.Ordinal);
    private readonly int _capacity;
    private readonly RelayMetrics _metrics;
    private readonly ILogger<UserFanOutLifetimeManager> _logger;

    public UserFanOutLifetimeManager(
        ILogger<DefaultHubLifetimeManager<UserEventsHub>> defaultLogger,
        IOptions<ConnectionLimitsOptions> limits,
        RelayMetrics metrics,
        ILogger<UserFanOutLifetimeManager> logger)
        : base(defaultLogger)
    {
        _capacity = limits.Value.MaxQueuedMessagesPerConnection;
        _metrics = metrics;
        _logger = logger;
    }

    public override async Task OnConnectedAsync(HubConnectionContext connection)
    {
        await base.OnConnectedAsync(connection).ConfigureAwait(false);
        var outbox = new ConnectionOutbox(connection, _capacity, _logger, _metrics.SlowConnectionDisconnected);
        _byConnection[connection.ConnectionId] = outbox;
        if (connection.UserIdentifier is { Length: > 0 } userId)
        {
            lock (_usersLock)
            {
                _byUser[userId] = _byUser.TryGetValue(userId, out var outboxes) ? outboxes.Add(outbox) : [outbox];
            }
        }
    }

    public override async Task OnDisconnectedAsync(HubConnectionContext connection)
    {
        if (_byConnection.TryRemove(connection.ConnectionId, out var outbox))
        {
            if (connection.UserIdentifier is { Length: > 0 } userId)
            {
                lock (_usersLock)
                {
                    if (_byUser.TryGetValue(userId, out var outboxes))
                    {
                        outboxes = outboxes.Remove(outbox);
                        if (outboxes.IsEmpty)
                        {
                            _byUser.Remove(userId);
                        }
                        else
                        {
                            _byUser[userId] = outboxes;
                        }
                    }
                }
            }

            await outbox.CompleteAsync().ConfigureAwait(false);
        }

        await base.OnDisconnectedAsync(connection).ConfigureAwait(false);
    }

    /// <summary>Queues <paramref name="argument"/> for every connection of <paramref name="userId"/>, serialized once.</summary>
    public void SendToUser(string userId, string method, object argument)
    {
        ImmutableArray<ConnectionOutbox> outboxes;
        lock (_usersLock)
        {
            if (!_byUser.TryGetValue(userId, out outboxes))
            {
                return;
            }
        }

        var message = new SerializedHubMessage(new InvocationMessage(method, [argument]));
        foreach (var outbox in outboxes)
        {
            outbox.Enqueue(message);
        }
    }

    /// <summary>Queues <paramref name="argument"/> for one connection, behind whatever it already has queued.</summary>
    public void SendToConnection(string connectionId, string method, object argument)
    {
        if (_byConnection.TryGetValue(connectionId, out var outbox))
        {
            outbox.Enqueue(new SerializedHubMessage(new InvocationMessage(method, [argument])));
        }
    }
}
