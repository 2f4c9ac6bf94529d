using Reflector.Relay.Events;
using Reflector.Relay.Streams;

namespace Reflector.Relay.Hubs;

/// <summary>
/// Hands a user's messages to the connection outboxes. Never waits for a browser: ordering per connection
/// comes from its outbox, and a slow connection is that outbox's problem alone.
/// </summary>
internal sealed class HubUserEventSink(UserFanOutLifetimeManager fanOut) : IUserEventSink
{
    public Task InvalidateAsync(string userId, InvalidateMessage message, CancellationToken cancellationToken)
    {
        fanOut.SendToUser(userId, ClientMethods.Invalidate, message);
        return Task.CompletedTask;
    }

    public Task UpstreamStatusAsync(string userId, UpstreamStatus status, CancellationToken cancellationToken)
    {
        fanOut.SendToUser(userId, ClientMethods.UpstreamStatus, status);
        return Task.CompletedTask;
    }

    public Task UpstreamStatusToConnectionAsync(string connectionId, UpstreamStatus status, CancellationToken cancellationToken)
    {
        fanOut.SendToConnection(connectionId, ClientMethods.UpstreamStatus, status);
        return Task.CompletedTask;
    }
}
