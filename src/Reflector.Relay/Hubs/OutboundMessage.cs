using Microsoft.AspNetCore.SignalR;
using Microsoft.AspNetCore.SignalR.Protocol;
using Reflector.Relay.Events;

namespace Reflector.Relay.Hubs;

/// <summary>
/// A message serialized once for all its connections, with what it stands for when a backlog collapses: the
/// newest <c>upstreamStatus</c> survives, a transcript's events become that transcript's <c>resync</c>, anything
/// else becomes the one <c>invalidate</c> <c>resync</c>.
/// </summary>
internal readonly record struct OutboundMessage(SerializedHubMessage Message, bool IsStatus, string? TranscriptId)
{
    /// <summary>Classifies an invocation by its single argument, as the client methods of the contract take one.</summary>
    public static OutboundMessage Of(string method, object?[] args)
    {
        var message = new SerializedHubMessage(new InvocationMessage(method, args));
        return args switch
        {
            [UpstreamStatus] => new(message, IsStatus: true, TranscriptId: null),
            [TranscriptEventMessage transcriptEvent] => new(message, IsStatus: false, transcriptEvent.TranscriptId),
            _ => new(message, IsStatus: false, TranscriptId: null),
        };
    }
}
