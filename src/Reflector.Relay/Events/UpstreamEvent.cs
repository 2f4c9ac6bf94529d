namespace Reflector.Relay.Events;

/// <summary>
/// One event from Reflector's <c>/v1/events</c> stream, already validated. Only the parser builds these,
/// so everything past the socket works with typed values instead of JSON.
/// </summary>
internal abstract record UpstreamEvent(string TranscriptId)
{
    public abstract InvalidateMessage ToInvalidateMessage();

    internal sealed record TranscriptCreated(string TranscriptId) : UpstreamEvent(TranscriptId)
    {
        public override InvalidateMessage ToInvalidateMessage() => new InvalidateMessage.TranscriptCreated(TranscriptId);
    }

    internal sealed record TranscriptDeleted(string TranscriptId) : UpstreamEvent(TranscriptId)
    {
        public override InvalidateMessage ToInvalidateMessage() => new InvalidateMessage.TranscriptDeleted(TranscriptId);
    }

    internal sealed record TranscriptRestored(string TranscriptId) : UpstreamEvent(TranscriptId)
    {
        public override InvalidateMessage ToInvalidateMessage() => new InvalidateMessage.TranscriptRestored(TranscriptId);
    }

    internal sealed record TranscriptStatus(string TranscriptId, Events.TranscriptStatus Value) : UpstreamEvent(TranscriptId)
    {
        public override InvalidateMessage ToInvalidateMessage() =>
            new InvalidateMessage.TranscriptStatusChanged(TranscriptId, Value);
    }

    internal sealed record TranscriptFinalTitle(string TranscriptId, string Title) : UpstreamEvent(TranscriptId)
    {
        public override InvalidateMessage ToInvalidateMessage() =>
            new InvalidateMessage.TranscriptTitleChanged(TranscriptId, Title);
    }

    internal sealed record TranscriptDuration(string TranscriptId, double Duration) : UpstreamEvent(TranscriptId)
    {
        public override InvalidateMessage ToInvalidateMessage() =>
            new InvalidateMessage.TranscriptDurationChanged(TranscriptId, Duration);
    }

    /// <summary>An event this relay does not know, from a newer Reflector, whose <c>data.id</c> names a transcript.</summary>
    internal sealed record TranscriptChanged(string TranscriptId, string EventName) : UpstreamEvent(TranscriptId)
    {
        public override InvalidateMessage ToInvalidateMessage() => new InvalidateMessage.TranscriptChanged(TranscriptId, EventName);
    }
}
