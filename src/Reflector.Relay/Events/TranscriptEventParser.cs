using System.Text.Json;

namespace Reflector.Relay.Events;

/// <summary>
/// Turns one text frame of <c>/v1/transcripts/{transcript_id}/events</c> (<c>{"event": NAME, "data": {...}}</c>) into a typed
/// <see cref="TranscriptEventMessage"/>. A single forward pass with <see cref="Utf8JsonReader"/>; nothing it returns
/// points into the frame's bytes, which the socket reuses for the next frame.
/// </summary>
/// <remarks>
/// Where Reflector's own model is loose, so is this: <c>translation</c> and a topic's <c>duration</c> may be null or
/// absent, a topic's <c>segments</c> may be absent or null and then reads as none, and text fields other than a topic's
/// <c>id</c> may be empty (live text and summaries start out empty). Numbers must be finite, since the relay could not
/// write anything else to JSON.
/// </remarks>
internal static class TranscriptEventParser
{
    public static ParsedFrame<TranscriptEventMessage> Parse(string transcriptId, ReadOnlySpan<byte> utf8Json)
    {
        if (!ReflectorFrame.TryRead(
                utf8Json, TranscriptEventData.Read, out var eventName, out var data, out ParsedFrame<TranscriptEventMessage> dropped))
        {
            return dropped;
        }

        return eventName switch
        {
            "TRANSCRIPT" => LiveText(transcriptId, eventName, data),
            "TOPIC" => TopicEvent.Build(transcriptId, data),
            "STATUS" => FieldRules.Status(data.Value, out var status) is { } statusProblem
                ? Drop(statusProblem, eventName, "value")
                : Parsed(new TranscriptEventMessage.StatusChanged(transcriptId, status), eventName),
            "FINAL_TITLE" => FieldRules.Required(data.Title.State) is { } titleProblem
                ? Drop(titleProblem, eventName, "title")
                : Parsed(new TranscriptEventMessage.FinalTitle(transcriptId, data.Title.Value!), eventName),
            "FINAL_LONG_SUMMARY" => FieldRules.Required(data.LongSummary.State) is { } longProblem
                ? Drop(longProblem, eventName, "long_summary")
                : Parsed(new TranscriptEventMessage.FinalLongSummary(transcriptId, data.LongSummary.Value!), eventName),
            "FINAL_SHORT_SUMMARY" => FieldRules.Required(data.ShortSummary.State) is { } shortProblem
                ? Drop(shortProblem, eventName, "short_summary")
                : Parsed(new TranscriptEventMessage.FinalShortSummary(transcriptId, data.ShortSummary.Value!), eventName),
            "ACTION_ITEMS" => FieldRules.Required(data.ActionItems.State) is { } itemsProblem
                ? Drop(itemsProblem, eventName, "action_items")
                : Parsed(new TranscriptEventMessage.ActionItemsChanged(transcriptId, data.ActionItems.Value), eventName),
            "DURATION" => FieldRules.Seconds(data.Duration) is { } durationProblem
                ? Drop(durationProblem, eventName, "duration")
                : Parsed(new TranscriptEventMessage.DurationChanged(transcriptId, data.Duration.Value), eventName),
            "WAVEFORM" => Waveform(transcriptId, eventName, data),
            // A newer Reflector's event (DAG_STATUS, …) is passed on with its data as sent, so a page can act on it
            // before the relay learns its shape.
            _ => Parsed(new TranscriptEventMessage.Unknown(transcriptId, eventName, ReflectorFrame.CopyData(utf8Json)), eventName),
        };
    }

    private static ParsedFrame<TranscriptEventMessage> LiveText(string transcriptId, string eventName, in TranscriptEventData data)
    {
        if (FieldRules.Required(data.Text.State) is { } textProblem)
        {
            return Drop(textProblem, eventName, "text");
        }

        // The translation may be null or absent, but never of another type.
        return data.Translation.State == FieldState.WrongType
            ? Drop(DropReason.WrongFieldType, eventName, "translation")
            : Parsed(new TranscriptEventMessage.LiveText(transcriptId, data.Text.Value!, data.Translation.Value), eventName);
    }

    private static ParsedFrame<TranscriptEventMessage> Waveform(string transcriptId, string eventName, in TranscriptEventData data)
    {
        if (FieldRules.Required(data.Waveform.State) is { } waveformProblem)
        {
            return Drop(waveformProblem, eventName, "waveform");
        }

        return data.WaveformNotFinite
            ? Drop(DropReason.InvalidFieldValue, eventName, "waveform")
            : Parsed(new TranscriptEventMessage.WaveformChanged(transcriptId, data.Waveform.Value!), eventName);
    }

    private static ParsedFrame<TranscriptEventMessage> Parsed(TranscriptEventMessage message, string eventName) =>
        ParsedFrame<TranscriptEventMessage>.Parsed(message, eventName);

    private static ParsedFrame<TranscriptEventMessage> Drop(DropReason reason, string eventName, string field) =>
        ParsedFrame<TranscriptEventMessage>.Dropped(reason, eventName, field);
}
