using Microsoft.AspNetCore.SignalR;
using Reflector.Relay.Events;

namespace Reflector.Relay.Hubs;

/// <summary>The methods a browser handles with <c>connection.on(name, …)</c>.</summary>
public interface IUserEventsClient
{
    [HubMethodName(ClientMethods.Invalidate)]
    Task Invalidate(InvalidateMessage message);

    [HubMethodName(ClientMethods.UpstreamStatus)]
    Task UpstreamStatus(UpstreamStatus status);

    [HubMethodName(ClientMethods.TranscriptEvent)]
    Task TranscriptEvent(TranscriptEventMessage message);
}

/// <summary>The client method names of the contract.</summary>
public static class ClientMethods
{
    public const string Invalidate = "invalidate";

    public const string UpstreamStatus = "upstreamStatus";

    public const string TranscriptEvent = "transcriptEvent";
}
