using System.Text.Json;

namespace Reflector.Relay.Events;

/// <summary>
/// Turns one text frame of <c>/v1/transcripts/{transcript_id}/events</c> (<c>{"event": NAME, "data": {...}}</c>) into a typed
/// <see cref="TranscriptEventMessage"/>. A single forward pass with <see cref="Utf8JsonReader"/>; nothing it returns
/// points into the frame's bytes, which the socket reuses for the next frame.
/// </summary>
/// <remarks>
/// Where Reflector's own model is loose, so is this: <c>translation</c> and a topic's <c>duration</c> may be null or
/// absent, a topic's <c>segments</c> may be absent or null (Reflector's API marks them optional) and then reads as
/// none, and text fields other than a topic's <c>id</c> may be empty (live text and summaries start out empty).
/// Numbers must be finite, since the relay could not write anything else to JSON.
/// </remarks>
internal static class TranscriptEventParser
{
    public static ParsedFrame<TranscriptEventMessage> Parse(string transcriptId, ReadOnlySpan<byte> utf8Json)
    {
        if (!ReflectorFrame.TryRead(utf8Json, ReadData, out var eventName, out var data, out ParsedFrame<TranscriptEventMessage> dropped))
        {
            return dropped;
        }

        return IsKnown(eventName) ? Build(transcriptId, eventName, data) : BuildUnknown(transcriptId, eventName, utf8Json);
    }

    /// <summary>
    /// A newer Reflector's event (<c>DAG_STATUS</c>, …) is passed on with its <c>data</c> as sent, so a page can act
    /// on it before the relay learns its shape. The frame is read a second time, only for these.
    /// </summary>
    private static ParsedFrame<TranscriptEventMessage> BuildUnknown(string transcriptId, string eventName, ReadOnlySpan<byte> utf8Json)
    {
        var reader = new Utf8JsonReader(utf8Json, new JsonReaderOptions { MaxDepth = ReflectorFrame.MaxDepth });
        reader.Read();
        JsonElement data = default;
        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            var isData = reader.ValueTextEquals("data"u8);
            reader.Read();
            if (isData)
            {
                // ParseValue copies the object out of the frame, whose buffer is reused once this returns.
                data = JsonElement.ParseValue(ref reader);
            }
            else
            {
                reader.Skip();
            }
        }

        return Ok(new TranscriptEventMessage.Unknown(transcriptId, eventName, data), eventName);
    }

    private static bool IsKnown(string eventName) => eventName is
        "TRANSCRIPT" or "TOPIC" or "STATUS" or "FINAL_TITLE" or "FINAL_LONG_SUMMARY" or "FINAL_SHORT_SUMMARY" or
        "ACTION_ITEMS" or "DURATION" or "WAVEFORM";

    private static ParsedFrame<TranscriptEventMessage> Build(string transcriptId, string eventName, in DataFields data)
    {
        switch (eventName)
        {
            case "TRANSCRIPT":
                if (AnyText(data.TextState) is { } textProblem)
                {
                    return Drop(textProblem, eventName, "text");
                }

                return data.TranslationState == FieldState.WrongType
                    ? Drop(DropReason.WrongFieldType, eventName, "translation")
                    : Ok(new TranscriptEventMessage.LiveText(transcriptId, data.Text!, data.Translation), eventName);
            case "TOPIC":
                return BuildTopic(transcriptId, eventName, data);
            case "STATUS":
                if (ReflectorFrame.RequiredText(data.ValueState, data.Value) is { } valueProblem)
                {
                    return Drop(valueProblem, eventName, "value");
                }

                return ReflectorFrame.TryParseStatus(data.Value, out var status)
                    ? Ok(new TranscriptEventMessage.StatusChanged(transcriptId, status), eventName)
                    : Drop(DropReason.InvalidFieldValue, eventName, "value");
            case "FINAL_TITLE":
                return AnyText(data.TitleState) is { } titleProblem
                    ? Drop(titleProblem, eventName, "title")
                    : Ok(new TranscriptEventMessage.FinalTitle(transcriptId, data.Title!), eventName);
            case "FINAL_LONG_SUMMARY":
                return AnyText(data.LongSummaryState) is { } longProblem
                    ? Drop(longProblem, eventName, "long_summary")
                    : Ok(new TranscriptEventMessage.FinalLongSummary(transcriptId, data.LongSummary!), eventName);
            case "FINAL_SHORT_SUMMARY":
                return AnyText(data.ShortSummaryState) is { } shortProblem
                    ? Drop(shortProblem, eventName, "short_summary")
                    : Ok(new TranscriptEventMessage.FinalShortSummary(transcriptId, data.ShortSummary!), eventName);
            case "ACTION_ITEMS":
                return data.ActionItemsState switch
                {
                    FieldState.Missing => Drop(DropReason.MissingField, eventName, "action_items"),
                    FieldState.Present => Ok(new TranscriptEventMessage.ActionItemsChanged(transcriptId, data.ActionItems), eventName),
                    _ => Drop(DropReason.WrongFieldType, eventName, "action_items"),
                };
            case "DURATION":
                return ReflectorFrame.RequiredSeconds(data.DurationState, data.Duration) is { } durationProblem
                    ? Drop(durationProblem, eventName, "duration")
                    : Ok(new TranscriptEventMessage.DurationChanged(transcriptId, data.Duration), eventName);
            default: // WAVEFORM
                return data.WaveformState switch
                {
                    FieldState.Missing => Drop(DropReason.MissingField, eventName, "waveform"),
                    FieldState.Present when data.WaveformInvalid => Drop(DropReason.InvalidFieldValue, eventName, "waveform"),
                    FieldState.Present => Ok(new TranscriptEventMessage.WaveformChanged(transcriptId, data.Waveform!), eventName),
                    _ => Drop(DropReason.WrongFieldType, eventName, "waveform"),
                };
        }
    }

    private static ParsedFrame<TranscriptEventMessage> BuildTopic(string transcriptId, string eventName, in DataFields data)
    {
        if (ReflectorFrame.RequiredText(data.IdState, data.Id) is { } idProblem)
        {
            // Clients keep the latest topic per id, so a topic without one cannot be placed.
            return Drop(idProblem, eventName, "id");
        }

        if (AnyText(data.TitleState) is { } titleProblem)
        {
            return Drop(titleProblem, eventName, "title");
        }

        if (AnyText(data.SummaryState) is { } summaryProblem)
        {
            return Drop(summaryProblem, eventName, "summary");
        }

        if (data.TranscriptState is FieldState.WrongType)
        {
            return Drop(DropReason.WrongFieldType, eventName, "transcript");
        }

        if (FiniteNumber(data.TimestampState, data.Timestamp) is { } timestampProblem)
        {
            return Drop(timestampProblem, eventName, "timestamp");
        }

        double? duration = null;
        if (data.DurationState is FieldState.Present or FieldState.WrongType)
        {
            if (ReflectorFrame.RequiredSeconds(data.DurationState, data.Duration) is { } durationProblem)
            {
                return Drop(durationProblem, eventName, "duration");
            }

            duration = data.Duration;
        }

        if (data.SegmentsProblem is { } segmentsProblem)
        {
            return Drop(segmentsProblem.Reason, eventName, segmentsProblem.Field);
        }

        if (data.Segments is null && data.WordsProblem is { } wordsProblem)
        {
            return Drop(wordsProblem.Reason, eventName, wordsProblem.Field);
        }

        if (data.Segments is null && data.Words is { Count: > 0 } words)
        {
            // The file and multitrack pipelines' shape: shown as Reflector's topics endpoint shows it.
            return Ok(
                new TranscriptEventMessage.TopicUpdated(
                    transcriptId, data.Id!, data.Title!, data.Summary!, data.Timestamp, TopicWords.Duration(words), TopicWords.Text(words),
                    TopicWords.ToSegments(words)),
                eventName);
        }

        if (data.TranscriptState != FieldState.Present)
        {
            return Drop(AnyText(data.TranscriptState)!.Value, eventName, "transcript");
        }

        return Ok(
            new TranscriptEventMessage.TopicUpdated(
                transcriptId, data.Id!, data.Title!, data.Summary!, data.Timestamp, duration, data.Transcript!,
                data.Segments ?? []),
            eventName);
    }

    /// <summary>A string that must be there, though it may be empty.</summary>
    private static DropReason? AnyText(FieldState state) => state switch
    {
        FieldState.Present => null,
        FieldState.Missing => DropReason.MissingField,
        _ => DropReason.WrongFieldType,
    };

    private static DropReason? FiniteNumber(FieldState state, double value) => state switch
    {
        FieldState.Missing => DropReason.MissingField,
        FieldState.Null or FieldState.WrongType => DropReason.WrongFieldType,
        _ when !double.IsFinite(value) => DropReason.InvalidFieldValue,
        _ => null,
    };

    private static ParsedFrame<TranscriptEventMessage> Ok(TranscriptEventMessage message, string eventName) => new(message, eventName, null);

    private static ParsedFrame<TranscriptEventMessage> Drop(DropReason reason, string eventName, string field) =>
        ParsedFrame<TranscriptEventMessage>.Dropped(reason, eventName, field);

    private static DataFields ReadData(ref Utf8JsonReader reader)
    {
        var fields = default(DataFields);
        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            // Only the fields some event needs are kept; every other value is skipped without allocating.
            if (reader.ValueTextEquals("text"u8))
            {
                reader.Read();
                fields.TextState = ReflectorFrame.ReadString(ref reader, out fields.Text);
            }
            else if (reader.ValueTextEquals("translation"u8))
            {
                reader.Read();
                fields.TranslationState = ReflectorFrame.ReadString(ref reader, out fields.Translation);
            }
            else if (reader.ValueTextEquals("id"u8))
            {
                reader.Read();
                fields.IdState = ReflectorFrame.ReadString(ref reader, out fields.Id);
            }
            else if (reader.ValueTextEquals("title"u8))
            {
                reader.Read();
                fields.TitleState = ReflectorFrame.ReadString(ref reader, out fields.Title);
            }
            else if (reader.ValueTextEquals("summary"u8))
            {
                reader.Read();
                fields.SummaryState = ReflectorFrame.ReadString(ref reader, out fields.Summary);
            }
            else if (reader.ValueTextEquals("transcript"u8))
            {
                reader.Read();
                fields.TranscriptState = ReflectorFrame.ReadString(ref reader, out fields.Transcript);
            }
            else if (reader.ValueTextEquals("timestamp"u8))
            {
                reader.Read();
                fields.TimestampState = ReflectorFrame.ReadNumber(ref reader, out fields.Timestamp);
            }
            else if (reader.ValueTextEquals("duration"u8))
            {
                reader.Read();
                fields.DurationState = ReflectorFrame.ReadNumber(ref reader, out fields.Duration);
            }
            else if (reader.ValueTextEquals("value"u8))
            {
                reader.Read();
                fields.ValueState = ReflectorFrame.ReadString(ref reader, out fields.Value);
            }
            else if (reader.ValueTextEquals("long_summary"u8))
            {
                reader.Read();
                fields.LongSummaryState = ReflectorFrame.ReadString(ref reader, out fields.LongSummary);
            }
            else if (reader.ValueTextEquals("short_summary"u8))
            {
                reader.Read();
                fields.ShortSummaryState = ReflectorFrame.ReadString(ref reader, out fields.ShortSummary);
            }
            else if (reader.ValueTextEquals("action_items"u8))
            {
                reader.Read();
                if (reader.TokenType == JsonTokenType.StartObject)
                {
                    // ParseValue copies the object out of the frame, whose buffer is reused once this returns.
                    fields.ActionItems = JsonElement.ParseValue(ref reader);
                    fields.ActionItemsState = FieldState.Present;
                }
                else
                {
                    reader.Skip();
                    fields.ActionItemsState = FieldState.WrongType;
                }
            }
            else if (reader.ValueTextEquals("segments"u8))
            {
                reader.Read();
                ReadSegments(ref reader, ref fields);
            }
            else if (reader.ValueTextEquals("words"u8))
            {
                reader.Read();
                fields.Words = TopicWords.Read(ref reader, out fields.WordsProblem);
            }
            else if (reader.ValueTextEquals("waveform"u8))
            {
                reader.Read();
                ReadWaveform(ref reader, ref fields);
            }
            else
            {
                reader.Read();
                reader.Skip();
            }
        }

        return fields;
    }

    private static void ReadSegments(ref Utf8JsonReader reader, ref DataFields fields)
    {
        fields.SegmentsProblem = null;
        fields.Segments = null;
        if (reader.TokenType == JsonTokenType.Null)
        {
            return;
        }

        if (reader.TokenType != JsonTokenType.StartArray)
        {
            reader.Skip();
            fields.SegmentsProblem = (DropReason.WrongFieldType, "segments");
            return;
        }

        var segments = new List<TopicSegment>();
        while (reader.Read() && reader.TokenType != JsonTokenType.EndArray)
        {
            if (ReadSegment(ref reader, out var problem) is { } segment)
            {
                segments.Add(segment);
            }
            else
            {
                // The rest of the array is still read: the frame must be valid JSON to the end for the drop to say why.
                fields.SegmentsProblem ??= problem;
            }
        }

        fields.Segments = segments;
    }

    private static TopicSegment? ReadSegment(ref Utf8JsonReader reader, out (DropReason Reason, string Field) problem)
    {
        problem = default;
        if (reader.TokenType != JsonTokenType.StartObject)
        {
            reader.Skip();
            problem = (DropReason.WrongFieldType, "segments");
            return null;
        }

        var textState = FieldState.Missing;
        string? text = null;
        var startState = FieldState.Missing;
        var start = 0d;
        var speakerState = FieldState.Missing;
        var speaker = 0;
        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            if (reader.ValueTextEquals("text"u8))
            {
                reader.Read();
                textState = ReflectorFrame.ReadString(ref reader, out text);
            }
            else if (reader.ValueTextEquals("start"u8))
            {
                reader.Read();
                startState = ReflectorFrame.ReadNumber(ref reader, out start);
            }
            else if (reader.ValueTextEquals("speaker"u8))
            {
                reader.Read();
                speakerState = reader.TokenType == JsonTokenType.Number && reader.TryGetInt32(out speaker)
                    ? FieldState.Present
                    : FieldState.WrongType;
                reader.Skip();
            }
            else
            {
                reader.Read();
                reader.Skip();
            }
        }

        if (AnyText(textState) is { } textProblem)
        {
            problem = (textProblem, "segments.text");
            return null;
        }

        if (FiniteNumber(startState, start) is { } startProblem)
        {
            problem = (startProblem, "segments.start");
            return null;
        }

        if (speakerState != FieldState.Present)
        {
            problem = (speakerState == FieldState.Missing ? DropReason.MissingField : DropReason.WrongFieldType, "segments.speaker");
            return null;
        }

        return new TopicSegment(text!, start, speaker);
    }

    private static void ReadWaveform(ref Utf8JsonReader reader, ref DataFields fields)
    {
        fields.Waveform = null;
        if (reader.TokenType != JsonTokenType.StartArray)
        {
            fields.WaveformState = reader.TokenType == JsonTokenType.Null ? FieldState.Null : FieldState.WrongType;
            reader.Skip();
            return;
        }

        // Reflector sends 255 samples; the list grows past that only for a longer waveform.
        var samples = new List<double>(255);
        fields.WaveformState = FieldState.Present;
        fields.WaveformInvalid = false;
        while (reader.Read() && reader.TokenType != JsonTokenType.EndArray)
        {
            if (ReflectorFrame.ReadNumber(ref reader, out var sample) != FieldState.Present)
            {
                fields.WaveformState = FieldState.WrongType;
            }
            else if (!double.IsFinite(sample))
            {
                fields.WaveformInvalid = true;
            }
            else
            {
                samples.Add(sample);
            }
        }

        fields.Waveform = samples;
    }

    private struct DataFields
    {
        public FieldState TextState;
        public string? Text;
        public FieldState TranslationState;
        public string? Translation;
        public FieldState IdState;
        public string? Id;
        public FieldState TitleState;
        public string? Title;
        public FieldState SummaryState;
        public string? Summary;
        public FieldState TranscriptState;
        public string? Transcript;
        public FieldState TimestampState;
        public double Timestamp;
        public FieldState DurationState;
        public double Duration;
        public FieldState ValueState;
        public string? Value;
        public FieldState LongSummaryState;
        public string? LongSummary;
        public FieldState ShortSummaryState;
        public string? ShortSummary;
        public FieldState ActionItemsState;
        public JsonElement ActionItems;
        public List<TopicSegment>? Segments;
        public (DropReason Reason, string Field)? SegmentsProblem;
        public List<TopicWords.Word>? Words;
        public (DropReason Reason, string Field)? WordsProblem;
        public FieldState WaveformState;
        public bool WaveformInvalid;
        public List<double>? Waveform;
    }
}
