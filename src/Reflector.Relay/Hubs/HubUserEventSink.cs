using Microsoft.AspNetCore.SignalR;
using Reflector.Relay.Events;
using Reflector.Relay.Upstream;

namespace Reflector.Relay.Hubs;

internal sealed class HubUserEventSink(IHubContext<UserEventsHub, IUserEventsClient> hub) : IUserEventSink
{
    public Task InvalidateAsync(string userId, InvalidateMessage message, CancellationToken cancellationToken) =>
        hub.Clients.Group(UserGroups.For(userId)).Invalidate(message);

    public Task UpstreamStatusAsync(string userId, UpstreamStatus status, CancellationToken cancellationToken) =>
        hub.Clients.Group(UserGroups.For(userId)).UpstreamStatus(status);

    public Task UpstreamStatusToConnectionAsync(string connectionId, UpstreamStatus status, CancellationToken cancellationToken) =>
        hub.Clients.Client(connectionId).UpstreamStatus(status);
}
