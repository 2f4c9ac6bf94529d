using Microsoft.AspNetCore.SignalR;
using Reflector.Relay.Events;
using Reflector.Relay.Transcripts;

namespace Reflector.Relay.Hubs;

/// <summary>Hands a transcript's events to the outboxes of the connections that subscribed to it; never waits for a browser.</summary>
internal sealed class HubTranscriptEventSink(UserFanOutLifetimeManager fanOut) : ITranscriptEventSink
{
    public SerializedHubMessage Send(IReadOnlyCollection<string> connectionIds, TranscriptEventMessage message) =>
        fanOut.SendTranscriptEvent(connectionIds, message);

    public void Replay(string connectionId, string transcriptId, IReadOnlyList<SerializedHubMessage> history) =>
        fanOut.ReplayTranscript(connectionId, transcriptId, history);
}
