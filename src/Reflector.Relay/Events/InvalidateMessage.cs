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
[JsonDerivedType(typeof(Resync), "resync")]
public abstract record InvalidateMessage
{
    public sealed record TranscriptCreated(string TranscriptId) : InvalidateMessage;

    public sealed record TranscriptDeleted(string TranscriptId) : InvalidateMessage;

    public sealed record TranscriptRestored(string TranscriptId) : InvalidateMessage;

    public sealed record TranscriptStatusChanged(string TranscriptId, TranscriptStatus Status) : InvalidateMessage;

    public sealed record TranscriptTitleChanged(string TranscriptId, string Title) : InvalidateMessage;

    public sealed record TranscriptDurationChanged(string TranscriptId, double Duration) : InvalidateMessage;

    /// <summary>The upstream stream had a gap; the client should refetch everything it shows.</summary>
    public sealed record Resync(string Reason) : InvalidateMessage;
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
