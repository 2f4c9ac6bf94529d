using System.Text.Json;

namespace Reflector.Relay.Events;

/// <summary>
/// Turns one text frame of <c>/v1/events</c> (<c>{"event": NAME, "data": {...}}</c>) into a typed <see cref="UpstreamEvent"/>.
/// A single forward pass with <see cref="Utf8JsonReader"/>: no DOM, and the frame's bytes are not kept.
/// </summary>
internal static class UpstreamEventParser
{
    public static ParsedFrame<UpstreamEvent> Parse(ReadOnlySpan<byte> utf8Json)
    {
        if (!ReflectorFrame.TryRead(utf8Json, ReadData, out var eventName, out var data, out ParsedFrame<UpstreamEvent> dropped))
        {
            return dropped;
        }

        return Build(eventName, data);
    }

    private static bool IsKnown(string eventName) => eventName is
        "TRANSCRIPT_CREATED" or "TRANSCRIPT_DELETED" or "TRANSCRIPT_RESTORED" or
        "TRANSCRIPT_STATUS" or "TRANSCRIPT_FINAL_TITLE" or "TRANSCRIPT_DURATION";

    private static ParsedFrame<UpstreamEvent> Build(string eventName, in DataFields data)
    {
        if (ReflectorFrame.RequiredText(data.IdState, data.Id) is { } idProblem)
        {
            // A newer Reflector's event that names no transcript says nothing a page could refetch.
            return IsKnown(eventName)
                ? ParsedFrame<UpstreamEvent>.Dropped(idProblem, eventName, "id")
                : ParsedFrame<UpstreamEvent>.Dropped(DropReason.UnknownEvent, eventName);
        }

        if (!IsKnown(eventName))
        {
            // A newer Reflector's event about a transcript (TRANSCRIPT_DAG_STATUS, …): the page refetches it.
            return Ok(new UpstreamEvent.TranscriptChanged(data.Id!, eventName), eventName);
        }

        var id = data.Id!;
        switch (eventName)
        {
            case "TRANSCRIPT_CREATED":
                return Ok(new UpstreamEvent.TranscriptCreated(id), eventName);
            case "TRANSCRIPT_DELETED":
                return Ok(new UpstreamEvent.TranscriptDeleted(id), eventName);
            case "TRANSCRIPT_RESTORED":
                return Ok(new UpstreamEvent.TranscriptRestored(id), eventName);
            case "TRANSCRIPT_STATUS":
                if (ReflectorFrame.RequiredText(data.ValueState, data.Value) is { } valueProblem)
                {
                    return ParsedFrame<UpstreamEvent>.Dropped(valueProblem, eventName, "value");
                }

                return ReflectorFrame.TryParseStatus(data.Value, out var status)
                    ? Ok(new UpstreamEvent.TranscriptStatus(id, status), eventName)
                    : ParsedFrame<UpstreamEvent>.Dropped(DropReason.InvalidFieldValue, eventName, "value");
            case "TRANSCRIPT_FINAL_TITLE":
                if (ReflectorFrame.RequiredText(data.TitleState, data.Title) is { } titleProblem)
                {
                    return ParsedFrame<UpstreamEvent>.Dropped(titleProblem, eventName, "title");
                }

                return Ok(new UpstreamEvent.TranscriptFinalTitle(id, data.Title!), eventName);
            default: // TRANSCRIPT_DURATION
                if (ReflectorFrame.RequiredSeconds(data.DurationState, data.Duration) is { } durationProblem)
                {
                    return ParsedFrame<UpstreamEvent>.Dropped(durationProblem, eventName, "duration");
                }

                return Ok(new UpstreamEvent.TranscriptDuration(id, data.Duration), eventName);
        }
    }

    private static ParsedFrame<UpstreamEvent> Ok(UpstreamEvent upstreamEvent, string eventName) => new(upstreamEvent, eventName, null);

    private static DataFields ReadData(ref Utf8JsonReader reader)
    {
        var fields = default(DataFields);
        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            if (reader.ValueTextEquals("id"u8))
            {
                reader.Read();
                fields.IdState = ReflectorFrame.ReadString(ref reader, out fields.Id);
            }
            else if (reader.ValueTextEquals("value"u8))
            {
                reader.Read();
                fields.ValueState = ReflectorFrame.ReadString(ref reader, out fields.Value);
            }
            else if (reader.ValueTextEquals("title"u8))
            {
                reader.Read();
                fields.TitleState = ReflectorFrame.ReadString(ref reader, out fields.Title);
            }
            else if (reader.ValueTextEquals("duration"u8))
            {
                reader.Read();
                fields.DurationState = ReflectorFrame.ReadNumber(ref reader, out fields.Duration);
            }
            else
            {
                reader.Read();
                reader.Skip();
            }
        }

        return fields;
    }

    private struct DataFields
    {
        public FieldState IdState;
        public string? Id;
        public FieldState ValueState;
        public string? Value;
        public FieldState TitleState;
        public string? Title;
        public FieldState DurationState;
        public double Duration;
    }
}
