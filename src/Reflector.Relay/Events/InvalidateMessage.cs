using System.Text.Json.Serialization;

namespace Reflector.Relay.Events;

/// <summary>
/// What a browser receives through <c>invalidate</c>: which cached data went stale.
/// <c>type</c> discriminates the cases on the wire.
/// </summary>
[JsonPolymorphic(TypeDiscriminatorPropertyName = "type")]
[JsonDerivedType(typeof(TranscriptCreated), "transcriptCreated")]
[JsonDerivedType(typeof(TranscriptDeleted), "transcriptDeleted")]
[JsonDerivedType(typeof(TranscriptRestored), "transcriptRestored")]
[JsonDerivedType(typeof(TranscriptStatusChanged), "transcriptStatusChanged")]
[JsonDerivedType(typeof(TranscriptTitleChanged), "transcriptTitleChanged")]
[JsonDerivedType(typeof(TranscriptDurationChanged), "transcriptDurationChanged")]
[JsonDerivedType(typeof(TranscriptChanged), "transcriptChanged")]
[JsonDerivedType(typeof(Resync), "resync")]
public abstract record InvalidateMessage
{
    public sealed record TranscriptCreated(string TranscriptId) : InvalidateMessage;

    public sealed record TranscriptDeleted(string TranscriptId) : InvalidateMessage;

    public sealed record TranscriptRestored(string TranscriptId) : InvalidateMessage;

    public sealed record TranscriptStatusChanged(string TranscriptId, TranscriptStatus Status) : InvalidateMessage;

    public sealed record TranscriptTitleChanged(string TranscriptId, string Title) : InvalidateMessage;

    public sealed record TranscriptDurationChanged(string TranscriptId, double Duration) : InvalidateMessage;

    /// <summary>
    /// An event of a newer Reflector that this relay does not know, about the transcript <see cref="TranscriptId"/>
    /// (<see cref="Event"/> is Reflector's name for it): refetch that transcript and the lists.
    /// </summary>
    public sealed record TranscriptChanged(string TranscriptId, string Event) : InvalidateMessage;

    /// <summary>Events may have been missed; the client should refetch everything it shows.</summary>
    public sealed record Resync(ResyncReason Reason) : InvalidateMessage;
}

/// <summary>Why a <see cref="InvalidateMessage.Resync"/> was sent.</summary>
[JsonConverter(typeof(JsonStringEnumConverter<ResyncReason>))]
public enum ResyncReason
{
    /// <summary>The relay's socket to Reflector had a gap: events published meanwhile are lost.</summary>
    [JsonStringEnumMemberName("upstreamReconnected")] UpstreamReconnected,

    /// <summary>This connection fell too far behind; the messages queued for it were dropped.</summary>
    [JsonStringEnumMemberName("overflow")] Overflow,

    /// <summary>Made up by the client library after a full reconnect to the relay; the relay never sends it.</summary>
    [JsonStringEnumMemberName("clientReconnected")] ClientReconnected,
}

[JsonConverter(typeof(JsonStringEnumConverter<TranscriptStatus>))]
public enum TranscriptStatus
{
    [JsonStringEnumMemberName("idle")] Idle,
    [JsonStringEnumMemberName("uploaded")] Uploaded,
    [JsonStringEnumMemberName("recording")] Recording,
    [JsonStringEnumMemberName("processing")] Processing,
    [JsonStringEnumMemberName("error")] Error,
    [JsonStringEnumMemberName("ended")] Ended,
}
