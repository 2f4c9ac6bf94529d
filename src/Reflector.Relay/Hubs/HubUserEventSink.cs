using Microsoft.AspNetCore.SignalR;
using Reflector.Relay.Events;
using Reflector.Relay.Streams;

namespace Reflector.Relay.Hubs;

/// <summary>
/// Sends a user's messages through the hub. The lifetime manager queues them to the connections' outboxes, so this
/// never waits for a browser: ordering per connection comes from its outbox, and a slow connection is its own problem.
/// </summary>
internal sealed class HubUserEventSink(IHubContext<UserEventsHub, IUserEventsClient> hub) : IUserEventSink
{
    public Task InvalidateAsync(string userId, InvalidateMessage message, CancellationToken cancellationToken) =>
        hub.Clients.User(userId).Invalidate(message);

    public Task UpstreamStatusAsync(string userId, UpstreamStatus status, CancellationToken cancellationToken) =>
        hub.Clients.User(userId).UpstreamStatus(status);

    public Task UpstreamStatusToConnectionAsync(string connectionId, UpstreamStatus status, CancellationToken cancellationToken) =>
        hub.Clients.Client(connectionId).UpstreamStatus(status);
}
