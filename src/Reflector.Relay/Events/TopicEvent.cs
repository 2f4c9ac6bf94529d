namespace Reflector.Relay.Events;

/// <summary>
/// Builds a <c>TOPIC</c>'s message from its data. A topic comes in one of two shapes: with <c>segments</c> and its
/// <c>transcript</c> (the live pipeline), or with <c>words</c> (the file and multitrack pipelines), which is shown as
/// Reflector's topics endpoint shows it.
/// </summary>
internal static class TopicEvent
{
    private const string EventName = "TOPIC";

    public static ParsedFrame<TranscriptEventMessage> Build(string transcriptId, in TranscriptEventData data)
    {
        // Clients keep the latest topic per id, so a topic without one cannot be placed.
        if (FieldRules.NonBlankText(data.Id) is { } idProblem)
        {
            return Drop(idProblem, "id");
        }

        if (FieldRules.Required(data.Title.State) is { } titleProblem)
        {
            return Drop(titleProblem, "title");
        }

        if (FieldRules.Required(data.Summary.State) is { } summaryProblem)
        {
            return Drop(summaryProblem, "summary");
        }

        // The transcript may be missing when words stand in for it, but never of another type.
        if (data.Transcript.State is FieldState.WrongType)
        {
            return Drop(DropReason.WrongFieldType, "transcript");
        }

        if (FieldRules.FiniteNumber(data.Timestamp) is { } timestampProblem)
        {
            return Drop(timestampProblem, "timestamp");
        }

        // Reflector's model lets the duration be null or absent; sent as a number, it must be one of seconds.
        double? duration = null;
        if (data.Duration.State is FieldState.Present or FieldState.WrongType)
        {
            if (FieldRules.Seconds(data.Duration) is { } durationProblem)
            {
                return Drop(durationProblem, "duration");
            }

            duration = data.Duration.Value;
        }

        if (data.SegmentsProblem is { } segmentsProblem)
        {
            return ParsedFrame<TranscriptEventMessage>.Dropped(segmentsProblem, EventName);
        }

        if (data.Segments is null && data.WordsProblem is { } wordsProblem)
        {
            return ParsedFrame<TranscriptEventMessage>.Dropped(wordsProblem, EventName);
        }

        if (data.Segments is null && data.Words is { Count: > 0 } words)
        {
            return Parsed(new TranscriptEventMessage.TopicUpdated(
                transcriptId, data.Id.Value!, data.Title.Value!, data.Summary.Value!, data.Timestamp.Value,
                TopicWords.Duration(words), TopicWords.Text(words), TopicWords.ToSegments(words)));
        }

        if (FieldRules.Required(data.Transcript.State) is { } transcriptProblem)
        {
            return Drop(transcriptProblem, "transcript");
        }

        return Parsed(new TranscriptEventMessage.TopicUpdated(
            transcriptId, data.Id.Value!, data.Title.Value!, data.Summary.Value!, data.Timestamp.Value, duration,
            data.Transcript.Value!, data.Segments ?? []));
    }

    private static ParsedFrame<TranscriptEventMessage> Parsed(TranscriptEventMessage.TopicUpdated topic) =>
        ParsedFrame<TranscriptEventMessage>.Parsed(topic, EventName);

    private static ParsedFrame<TranscriptEventMessage> Drop(DropReason reason, string field) =>
        ParsedFrame<TranscriptEventMessage>.Dropped(reason, EventName, field);
}
