using Microsoft.AspNetCore.SignalR;
using Reflector.Relay.Events;

namespace Reflector.Relay.Hubs;

/// <summary>The methods a browser handles with <c>connection.on(name, …)</c>.</summary>
public interface IUserEventsClient
{
    [HubMethodName("invalidate")]
    Task Invalidate(InvalidateMessage message);

    [HubMethodName("upstreamStatus")]
    Task UpstreamStatus(UpstreamStatus status);
}
