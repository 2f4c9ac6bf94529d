using System.Text.Json;

namespace Reflector.Relay.Events;

/// <summary>A <c>TOPIC</c>'s <c>segments</c>, as Reflector's live pipeline sends them: one speaker's stretch of text each.</summary>
internal static class TopicSegments
{
    /// <summary>
    /// Reads the value the reader is on as a <c>segments</c> array: null reads as none (Reflector's API marks them
    /// optional); anything malformed is a problem naming the field.
    /// </summary>
    public static List<TopicSegment>? Read(ref Utf8JsonReader reader, out FieldProblem? problem) =>
        SpokenPart.ReadArray<TopicSegment>(ref reader, "segments", ToSegment, out problem);

    private static bool ToSegment(in SpokenPart part, out TopicSegment segment, out FieldProblem problem)
    {
        segment = null!;
        if (FieldRules.Required(part.Text.State) is { } textProblem)
        {
            problem = new FieldProblem(textProblem, "segments.text");
            return false;
        }

        if (FieldRules.FiniteNumber(part.Start) is { } startProblem)
        {
            problem = new FieldProblem(startProblem, "segments.start");
            return false;
        }

        if (FieldRules.Required(part.Speaker.State) is { } speakerProblem)
        {
            problem = new FieldProblem(speakerProblem, "segments.speaker");
            return false;
        }

        problem = default;
        segment = new TopicSegment(part.Text.Value!, part.Start.Value, part.Speaker.Value);
        return true;
    }
}
