using System.Collections.Concurrent;
using System.Collections.Immutable;
using Microsoft.AspNetCore.SignalR;
using Microsoft.AspNetCore.SignalR.Protocol;
using Microsoft.Extensions.Options;
using Reflector.Relay.Diagnostics;
using Reflector.Relay.Events;
using Reflector.Relay.Limits;

namespace Reflector.Relay.Hubs;

/// <summary>
/// SignalR's default lifetime manager plus the relay's own fan-out: every connection gets an
/// <see cref="ConnectionOutbox"/>, and a message for a user is serialized once and queued to each of that
/// user's connections without waiting for any of them. SignalR's group send awaits every connection's
/// flush, so one tab that stops reading would otherwise hold back its siblings. A watchdog on the relay's clock
/// disconnects connections whose writes have made no progress for <c>Limits:StalledConnectionTimeout</c>.
/// </summary>
internal sealed class UserFanOutLifetimeManager : DefaultHubLifetimeManager<UserEventsHub>, IDisposable
{
    private readonly ConcurrentDictionary<string, ConnectionOutbox> _byConnection = new(StringComparer.Ordinal);
    private readonly Lock _usersLock = new();
    private readonly Dictionary<string, ImmutableArray<ConnectionOutbox>> _byUser = new(StringComparer.Ordinal);
    private readonly OutboxPolicy _outboxPolicy;
    private readonly TimeSpan _stalledConnectionTimeout;
    private readonly RelayMetrics _metrics;
    private readonly ITimer _watchdog;

    public UserFanOutLifetimeManager(
        ILogger<DefaultHubLifetimeManager<UserEventsHub>> defaultLogger,
        IOptions<ConnectionLimitsOptions> limits,
        RelayMetrics metrics,
        TimeProvider timeProvider,
        ILogger<UserFanOutLifetimeManager> logger)
        : base(defaultLogger)
    {
        _metrics = metrics;
        _stalledConnectionTimeout = limits.Value.StalledConnectionTimeout;
        _outboxPolicy = new OutboxPolicy(
            limits.Value.MaxQueuedBytesPerConnection,
            new SerializedHubMessage(new InvocationMessage(ClientMethods.Invalidate, [new InvalidateMessage.Resync(ResyncReason.Overflow)])),
            static transcriptId => new SerializedHubMessage(new InvocationMessage(
                ClientMethods.TranscriptEvent, [new TranscriptEventMessage.Resync(transcriptId, ResyncReason.Overflow)])),
            timeProvider,
            logger,
            metrics.ConnectionOverflowed);

        // A quarter of the timeout between checks: a stalled connection goes between 1 and 1.25 timeouts after
        // its last progress, at the cost of one pass over the connections every few seconds.
        var period = _stalledConnectionTimeout / 4;
        _watchdog = timeProvider.CreateTimer(
            static state => ((UserFanOutLifetimeManager)state!).DisconnectStalledConnections(), this, period, period);
    }

    public override async Task OnConnectedAsync(HubConnectionContext connection)
    {
        await base.OnConnectedAsync(connection).ConfigureAwait(false);
        var outbox = new ConnectionOutbox(connection, _outboxPolicy);
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
        var isStatus = argument is UpstreamStatus;
        foreach (var outbox in outboxes)
        {
            outbox.Enqueue(message, isStatus);
        }
    }

    /// <summary>Queues <paramref name="argument"/> for one connection, behind whatever it already has queued.</summary>
    public void SendToConnection(string connectionId, string method, object argument)
    {
        if (_byConnection.TryGetValue(connectionId, out var outbox))
        {
            outbox.Enqueue(new SerializedHubMessage(new InvocationMessage(method, [argument])), argument is UpstreamStatus);
        }
    }

    /// <summary>Queues a transcript's event for each of <paramref name="connectionIds"/>, serialized once.</summary>
    /// <returns>The serialized message, for the transcript's history.</returns>
    public SerializedHubMessage SendTranscriptEvent(IReadOnlyCollection<string> connectionIds, TranscriptEventMessage message)
    {
        var serialized = new SerializedHubMessage(new InvocationMessage(ClientMethods.TranscriptEvent, [message]));
        foreach (var connectionId in connectionIds)
        {
            if (_byConnection.TryGetValue(connectionId, out var outbox))
            {
                outbox.Enqueue(serialized, isStatus: false, message.TranscriptId);
            }
        }

        return serialized;
    }

    /// <summary>Queues a transcript's history for a connection that has just subscribed.</summary>
    public void ReplayTranscript(string connectionId, string transcriptId, IReadOnlyList<SerializedHubMessage> history)
    {
        if (_byConnection.TryGetValue(connectionId, out var outbox))
        {
            outbox.EnqueueReplay(transcriptId, history);
        }
    }

    private void DisconnectStalledConnections()
    {
        foreach (var outbox in _byConnection.Values)
        {
            if (outbox.AbortIfStalled(_stalledConnectionTimeout))
            {
                _metrics.StalledConnectionDisconnected();
            }
        }
    }

    public void Dispose() => _watchdog.Dispose();
}
