using Microsoft.AspNetCore.SignalR;
using Microsoft.AspNetCore.SignalR.Protocol;
using Reflector.Relay.Events;
using Reflector.Relay.Transcripts;

namespace Reflector.Relay.Hubs;

/// <summary>
/// Sends a transcript's events through the hub to the connections that subscribed to it, and replays its history to a
/// connection that joins. Never waits for a browser: the lifetime manager only queues to outboxes.
/// </summary>
internal sealed class HubTranscriptEventSink(IHubContext<UserEventsHub, IUserEventsClient> hub, OutboxHubLifetimeManager connections)
    : ITranscriptEventSink
{
    public SerializedHubMessage Send(IReadOnlyCollection<string> connectionIds, TranscriptEventMessage message)
    {
        if (connectionIds.Count > 0)
        {
            // The feed sends under its lock, which orders its sends with joins: the send must be queued when this returns.
            EnsureQueued(hub.Clients.Clients(connectionIds as IReadOnlyList<string> ?? [.. connectionIds]).TranscriptEvent(message));
        }

        // The history's copy, serialized only when it is first replayed and then shared by every later subscriber.
        return new SerializedHubMessage(new InvocationMessage(ClientMethods.TranscriptEvent, [message]));
    }

    public void Replay(string connectionId, string transcriptId, IReadOnlyList<SerializedHubMessage> history) =>
        connections.Replay(connectionId, transcriptId, history);

    private static void EnsureQueued(Task send)
    {
        if (!send.IsCompletedSuccessfully)
        {
            throw new InvalidOperationException("A transcript event was not queued at once; its subscribers' order is no longer certain.", send.Exception);
        }
    }
}
