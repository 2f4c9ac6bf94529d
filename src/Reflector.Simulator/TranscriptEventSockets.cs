using Microsoft.AspNetCore.Http;

namespace Reflector.Simulator;

// GET /v1/transcripts/{transcript_id}/events: one transcript's events. The token is optional; the
// transcript's owner and share mode decide who may follow it. A new socket is replayed the transcript's
// stored events, and each emitted event is stored (all but TRANSCRIPT and STATUS) before it is sent.
internal sealed class TranscriptEventSockets(TranscriptStore store) : IEventSocketKind
{
    public const string Path = "/v1/transcripts/{transcriptId}/events";

    // A socket that falls more than this many live frames behind, on top of a whole replay, is cut off.
    public const int LiveBacklog = 65_536;

    public string Name => "transcript";

    public string Route => Path;

    public int? OutboxCapacity => store.MaxStoredEvents + LiveBacklog;

    public string? RequestedStream(HttpContext context) => context.Request.RouteValues["transcriptId"] as string;

    // Reflector checks the token first (an offered but invalid one is refused even on a public transcript, by
    // the endpoint), then the transcript: 404 when there is none, 403 when it is deleted or not shared with this user.
    public HandshakeDecision Admit(string? requestedStream, string? user)
    {
        ArgumentNullException.ThrowIfNull(requestedStream);
        var refusal = store.Decide(requestedStream, user) switch
        {
            TranscriptAccess.Allowed => (HandshakeRefusal?)null,
            TranscriptAccess.Missing => new HandshakeRefusal(StatusCodes.Status404NotFound, "no such transcript"),
            TranscriptAccess.Deleted => new HandshakeRefusal(StatusCodes.Status403Forbidden, "transcript deleted"),
            _ => new HandshakeRefusal(
                StatusCodes.Status403Forbidden,
                user is null ? "transcript not shared with anonymous clients" : "transcript not shared with this user"),
        };
        return new HandshakeDecision(requestedStream, user, refusal);
    }

    public IReadOnlyCollection<byte[]> Replay(string streamId) => store.History(streamId);

    public bool TryStore(string streamId, string eventName, byte[] frame) => store.TryAppend(streamId, eventName, frame);
}
