using Microsoft.AspNetCore.SignalR;
using Reflector.Relay.Events;

namespace Reflector.Relay.Transcripts;

/// <summary>Where a transcript stream delivers: the connections that subscribed to it, and no one else.</summary>
internal interface ITranscriptEventSink
{
    /// <summary>A sink that delivers nowhere, for hosts without a hub.</summary>
    static ITranscriptEventSink None { get; } = new NoSink();

    /// <summary>Queues <paramref name="message"/> for each of <paramref name="connectionIds"/>, serialized once.</summary>
    /// <returns>The serialized message, which the stream's history keeps and replays to later subscribers.</returns>
    SerializedHubMessage Send(IReadOnlyCollection<string> connectionIds, TranscriptEventMessage message);

    /// <summary>
    /// Queues a stream's history for one connection that has just subscribed. The messages are shared with the history,
    /// so they do not count against the connection's queue budget; they are dropped with the rest if it falls behind.
    /// </summary>
    void Replay(string connectionId, string transcriptId, IReadOnlyList<SerializedHubMessage> history);

    private sealed class NoSink : ITranscriptEventSink
    {
        public SerializedHubMessage Send(IReadOnlyCollection<string> connectionIds, TranscriptEventMessage message) =>
            new(new Microsoft.AspNetCore.SignalR.Protocol.InvocationMessage(Hubs.ClientMethods.TranscriptEvent, [message]));

        public void Replay(string connectionId, string transcriptId, IReadOnlyList<SerializedHubMessage> history)
        {
        }
    }
}
