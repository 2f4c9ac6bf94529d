using System.Buffers;
using System.Text;
using System.Text.Json;

namespace Reflector.Relay.Events;

/// <summary>
/// A <c>TOPIC</c>'s <c>words</c>, as Reflector's file and multitrack pipelines send them instead of <c>segments</c>,
/// and the segments Reflector's topics endpoint shows for them: a page that reads topics from the relay sees the
/// same speaker text as one that reads them from the API.
/// </summary>
internal static class TopicWords
{
    // Reflector's words_to_segments (server/reflector/processors/types.py): a segment closes on punctuation once
    // its text is longer than this many characters.
    private const int MaxSegmentCharacters = 120;

    private static readonly SearchValues<char> Punctuation = SearchValues.Create(".;:?!…");

    /// <summary>One recognised word; its text carries its own leading space, as Reflector's words do.</summary>
    public readonly record struct Word(string Text, double Start, double End, int Speaker);

    /// <summary>
    /// Reads the value the reader is on as a <c>words</c> array: null reads as none; anything malformed is a problem
    /// naming the field.
    /// </summary>
    public static List<Word>? Read(ref Utf8JsonReader reader, out FieldProblem? problem) =>
        SpokenPart.ReadArray<Word>(ref reader, "words", ToWord, out problem);

    /// <summary>
    /// Reflector's rule: consecutive words of one speaker form a segment, which also closes after a word holding
    /// <c>. ; : ? ! …</c> once it is longer than 120 characters; a segment starts where its first word does.
    /// </summary>
    public static List<TopicSegment> ToSegments(IReadOnlyList<Word> words)
    {
        var segments = new List<TopicSegment>();
        StringBuilder? text = null;
        var characters = 0;
        var start = 0d;
        var speaker = 0;
        foreach (var word in words)
        {
            if (text is not null && word.Speaker != speaker)
            {
                segments.Add(new TopicSegment(text.ToString(), start, speaker));
                text = null;
            }

            if (text is null)
            {
                text = new StringBuilder(word.Text);
                characters = CharacterCount(word.Text);
                start = word.Start;
                speaker = word.Speaker;
                // Reflector checks punctuation only on words added after a segment's first.
                continue;
            }

            text.Append(word.Text);
            characters += CharacterCount(word.Text);
            if (characters > MaxSegmentCharacters && word.Text.AsSpan().ContainsAny(Punctuation))
            {
                segments.Add(new TopicSegment(text.ToString(), start, speaker));
                text = null;
            }
        }

        if (text is not null)
        {
            segments.Add(new TopicSegment(text.ToString(), start, speaker));
        }

        return segments;
    }

    /// <summary>The topic's text as Reflector's API shows it: its words joined as they are.</summary>
    public static string Text(IReadOnlyList<Word> words) => string.Concat(words.Select(word => word.Text));

    /// <summary>The topic's length as Reflector's API shows it: from its first word's start to its last word's end.</summary>
    public static double Duration(IReadOnlyList<Word> words) => words[^1].End - words[0].Start;

    // Python's len counts code points, not UTF-16 units.
    private static int CharacterCount(string text)
    {
        var count = 0;
        foreach (var _ in text.EnumerateRunes())
        {
            count++;
        }

        return count;
    }

    private static bool ToWord(in SpokenPart part, out Word word, out FieldProblem problem)
    {
        word = default;
        if (FieldRules.Required(part.Text.State) is { } textProblem)
        {
            problem = new FieldProblem(textProblem, "words.text");
            return false;
        }

        if (FieldRules.FiniteNumber(part.Start) is { } startProblem)
        {
            problem = new FieldProblem(startProblem, "words.start");
            return false;
        }

        if (FieldRules.FiniteNumber(part.End) is { } endProblem)
        {
            problem = new FieldProblem(endProblem, "words.end");
            return false;
        }

        // Reflector's Word defaults its speaker to 0.
        if (part.Speaker.State == FieldState.WrongType)
        {
            problem = new FieldProblem(DropReason.WrongFieldType, "words.speaker");
            return false;
        }

        problem = default;
        word = new Word(part.Text.Value!, part.Start.Value, part.End.Value, part.Speaker.Value);
        return true;
    }
}
