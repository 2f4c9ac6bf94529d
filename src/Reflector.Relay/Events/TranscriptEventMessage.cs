using System.Text.Json;
using System.Text.Json.Serialization;

namespace Reflector.Relay.Events;

/// <summary>
/// What a browser subscribed to one transcript receives through <c>transcriptEvent</c>: one event of that
/// transcript's live stream, typed by <c>type</c>. Field names follow the contract, not Reflector's snake_case.
/// </summary>
[JsonPolymorphic(TypeDiscriminatorPropertyName = "type")]
[JsonDerivedType(typeof(LiveText), "transcript")]
[JsonDerivedType(typeof(TopicUpdated), "topic")]
[JsonDerivedType(typeof(StatusChanged), "status")]
[JsonDerivedType(typeof(FinalTitle), "finalTitle")]
[JsonDerivedType(typeof(FinalLongSummary), "finalLongSummary")]
[JsonDerivedType(typeof(FinalShortSummary), "finalShortSummary")]
[JsonDerivedType(typeof(ActionItemsChanged), "actionItems")]
[JsonDerivedType(typeof(DurationChanged), "duration")]
[JsonDerivedType(typeof(WaveformChanged), "waveform")]
[JsonDerivedType(typeof(Unknown), "unknown")]
[JsonDerivedType(typeof(Resync), "resync")]
public abstract record TranscriptEventMessage(string TranscriptId)
{
    /// <summary>Live text as it is recognised (<c>TRANSCRIPT</c>); never replayed by Reflector.</summary>
    public sealed record LiveText(string TranscriptId, string Text, string? Translation) : TranscriptEventMessage(TranscriptId);

    /// <summary>A topic, or a newer version of one with the same <see cref="Id"/> (<c>TOPIC</c>).</summary>
    public sealed record TopicUpdated(
        string TranscriptId,
        string Id,
        string Title,
        string Summary,
        double Timestamp,
        double? Duration,
        string Transcript,
        IReadOnlyList<TopicSegment> Segments) : TranscriptEventMessage(TranscriptId);

    /// <summary>The transcript's status (<c>STATUS</c>); never replayed by Reflector.</summary>
    public sealed record StatusChanged(string TranscriptId, TranscriptStatus Status) : TranscriptEventMessage(TranscriptId);

    public sealed record FinalTitle(string TranscriptId, string Title) : TranscriptEventMessage(TranscriptId);

    public sealed record FinalLongSummary(string TranscriptId, string LongSummary) : TranscriptEventMessage(TranscriptId);

    public sealed record FinalShortSummary(string TranscriptId, string ShortSummary) : TranscriptEventMessage(TranscriptId);

    /// <summary>Reflector's action items, an object it does not type; passed on as it came.</summary>
    public sealed record ActionItemsChanged(string TranscriptId, JsonElement ActionItems) : TranscriptEventMessage(TranscriptId);

    /// <summary>The recording's duration so far, in seconds.</summary>
    public sealed record DurationChanged(string TranscriptId, double Duration) : TranscriptEventMessage(TranscriptId);

    public sealed record WaveformChanged(string TranscriptId, IReadOnlyList<double> Waveform) : TranscriptEventMessage(TranscriptId);

    /// <summary>
    /// An event of a newer Reflector that this relay does not know yet (<c>DAG_STATUS</c>, <c>DAG_TASK_PROGRESS</c>, …):
    /// Reflector's name for it and its <c>data</c> as sent.
    /// </summary>
    public sealed record Unknown(string TranscriptId, string Event, JsonElement Data) : TranscriptEventMessage(TranscriptId);

    /// <summary>
    /// The stream had a gap or was cut short: refetch the transcript (topics, title, summaries) and go on with the
    /// events that follow, which include Reflector's replay after an upstream reconnect.
    /// </summary>
    public sealed record Resync(string TranscriptId, ResyncReason Reason) : TranscriptEventMessage(TranscriptId);
}

/// <summary>One speaker's stretch of a topic: its text, start in seconds, and speaker number.</summary>
public sealed record TopicSegment(string Text, double Start, int Speaker);
