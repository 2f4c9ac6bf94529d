using System.Collections.Immutable;
using Microsoft.AspNetCore.SignalR;
using Microsoft.AspNetCore.SignalR.Protocol;
using Microsoft.Extensions.Options;
using Reflector.Relay.Diagnostics;
using Reflector.Relay.Limits;

namespace Reflector.Relay.Hubs;

/// <summary>
/// The hub's lifetime manager: every connection gets a <see cref="ConnectionOutbox"/> in one
/// <see cref="ConnectionRegistry"/>, and every send, whoever makes it (an <c>IHubContext</c>, the hub itself), is
/// serialized once and queued to the outboxes of its connections without waiting for any of them. SignalR's default
/// awaits each connection's flush in turn, so one tab that stops reading would hold back its siblings; here it holds
/// back only its own outbox, and a <see cref="StallWatchdog"/> disconnects it if it takes nothing at all.
/// </summary>
internal sealed class OutboxHubLifetimeManager : HubLifetimeManager<UserEventsHub>, IDisposable
{
    private readonly ConnectionRegistry _connections = new();
    private readonly OutboxPolicy _policy;
    private readonly StallWatchdog _watchdog;

    public OutboxHubLifetimeManager(
        IOptions<ConnectionLimitsOptions> limits, RelayMetrics metrics, TimeProvider timeProvider, ILogger<OutboxHubLifetimeManager> logger)
    {
        _policy = OutboxPolicy.Create(limits, metrics, timeProvider, logger);
        _watchdog = new StallWatchdog(_connections, limits.Value.StalledConnectionTimeout, metrics, timeProvider);
    }

    /// <summary>The registry, for tests and diagnostics; sends go through the <c>Send…</c> methods.</summary>
    internal ConnectionRegistry Connections => _connections;

    public override Task OnConnectedAsync(HubConnectionContext connection)
    {
        _connections.Add(new ConnectionOutbox(connection, _policy), connection.UserIdentifier);
        return Task.CompletedTask;
    }

    public override Task OnDisconnectedAsync(HubConnectionContext connection) =>
        _connections.Remove(connection.ConnectionId)?.CompleteAsync() ?? Task.CompletedTask;

    public override Task SendAllAsync(string methodName, object?[] args, CancellationToken cancellationToken = default) =>
        EnqueueEach(_connections.All(), methodName, args, excluded: []);

    public override Task SendAllExceptAsync(
        string methodName, object?[] args, IReadOnlyList<string> excludedConnectionIds, CancellationToken cancellationToken = default) =>
        EnqueueEach(_connections.All(), methodName, args, excludedConnectionIds);

    public override Task SendConnectionAsync(string connectionId, string methodName, object?[] args, CancellationToken cancellationToken = default)
    {
        _connections.Connection(connectionId)?.Enqueue(OutboundMessage.Of(methodName, args));
        return Task.CompletedTask;
    }

    public override Task SendConnectionsAsync(
        IReadOnlyList<string> connectionIds, string methodName, object?[] args, CancellationToken cancellationToken = default)
    {
        var delivery = new Delivery(methodName, args);
        foreach (var connectionId in connectionIds)
        {
            delivery.To(_connections.Connection(connectionId));
        }

        return Task.CompletedTask;
    }

    public override Task SendGroupAsync(string groupName, string methodName, object?[] args, CancellationToken cancellationToken = default) =>
        EnqueueEach(_connections.Group(groupName).AsSpan(), methodName, args, excluded: []);

    public override Task SendGroupsAsync(
        IReadOnlyList<string> groupNames, string methodName, object?[] args, CancellationToken cancellationToken = default)
    {
        var delivery = new Delivery(methodName, args);
        foreach (var groupName in groupNames)
        {
            delivery.To(_connections.Group(groupName));
        }

        return Task.CompletedTask;
    }

    public override Task SendGroupExceptAsync(
        string groupName, string methodName, object?[] args, IReadOnlyList<string> excludedConnectionIds, CancellationToken cancellationToken = default) =>
        EnqueueEach(_connections.Group(groupName).AsSpan(), methodName, args, excludedConnectionIds);

    public override Task SendUserAsync(string userId, string methodName, object?[] args, CancellationToken cancellationToken = default) =>
        EnqueueEach(_connections.User(userId).AsSpan(), methodName, args, excluded: []);

    public override Task SendUsersAsync(IReadOnlyList<string> userIds, string methodName, object?[] args, CancellationToken cancellationToken = default)
    {
        var delivery = new Delivery(methodName, args);
        foreach (var userId in userIds)
        {
            delivery.To(_connections.User(userId));
        }

        return Task.CompletedTask;
    }

    public override Task AddToGroupAsync(string connectionId, string groupName, CancellationToken cancellationToken = default)
    {
        _connections.AddToGroup(connectionId, groupName);
        return Task.CompletedTask;
    }

    public override Task RemoveFromGroupAsync(string connectionId, string groupName, CancellationToken cancellationToken = default)
    {
        _connections.RemoveFromGroup(connectionId, groupName);
        return Task.CompletedTask;
    }

    /// <summary>
    /// Queues a transcript's history for a connection that has just subscribed, ahead of anything sent to it after this
    /// call. The messages are the history's own, already serialized and shared by every subscriber, so they go straight
    /// to the outbox rather than through a send that would serialize and budget each one again.
    /// </summary>
    public void Replay(string connectionId, string transcriptId, IReadOnlyList<SerializedHubMessage> history) =>
        _connections.Connection(connectionId)?.EnqueueReplay(transcriptId, history);

    // The relay's clients only listen: nothing asks them for a result, and an answer nobody asked for is refused.
    public override Task<T> InvokeConnectionAsync<T>(string connectionId, string methodName, object?[] args, CancellationToken cancellationToken) =>
        throw new NotSupportedException($"{nameof(OutboxHubLifetimeManager)} does not support client results: the relay's clients only listen.");

    public override Task SetConnectionResultAsync(string connectionId, CompletionMessage result) =>
        throw new NotSupportedException($"{nameof(OutboxHubLifetimeManager)} does not support client results: the relay's clients only listen.");

    public void Dispose() => _watchdog.Dispose();

    private static Task EnqueueEach(ReadOnlySpan<ConnectionOutbox> outboxes, string methodName, object?[] args, IReadOnlyList<string> excluded)
    {
        OutboundMessage? message = null;
        foreach (var outbox in outboxes)
        {
            if (excluded.Count == 0 || !excluded.Contains(outbox.ConnectionId))
            {
                // Serialized once, and only when someone is there to take it.
                message ??= OutboundMessage.Of(methodName, args);
                outbox.Enqueue(message.Value);
            }
        }

        return Task.CompletedTask;
    }

    /// <summary>One send to connections gathered from several lists: serialized once, and each connection gets it once.</summary>
    private struct Delivery(string methodName, object?[] args)
    {
        private OutboundMessage? _message;
        private ConnectionOutbox? _first;
        private HashSet<ConnectionOutbox>? _seen;

        public void To(ImmutableArray<ConnectionOutbox> outboxes)
        {
            foreach (var outbox in outboxes)
            {
                To(outbox);
            }
        }

        public void To(ConnectionOutbox? outbox)
        {
            if (outbox is null || !FirstTime(outbox))
            {
                return;
            }

            _message ??= OutboundMessage.Of(methodName, args);
            outbox.Enqueue(_message.Value);
        }

        private bool FirstTime(ConnectionOutbox outbox)
        {
            if (_first is null)
            {
                _first = outbox;
                return true;
            }

            if (ReferenceEquals(_first, outbox))
            {
                return false;
            }

            _seen ??= [_first];
            return _seen.Add(outbox);
        }
    }
}
