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
    /// naming the field, and the array is still read to its end.
    /// </summary>
    public static List<Word>? Read(ref Utf8JsonReader reader, out (DropReason Reason, string Field)? problem)
    {
        problem = null;
        if (reader.TokenType == JsonTokenType.Null)
        {
            return null;
        }

        if (reader.TokenType != JsonTokenType.StartArray)
        {
            reader.Skip();
            problem = (DropReason.WrongFieldType, "words");
            return null;
        }

        var words = new List<Word>();
        while (reader.Read() && reader.TokenType != JsonTokenType.EndArray)
        {
            if (ReadWord(ref reader, out var wordProblem) is { } word)
            {
                words.Add(word);
            }
            else
            {
                problem ??= wordProblem;
            }
        }

        return words;
    }

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

    private static Word? ReadWord(ref Utf8JsonReader reader, out (DropReason Reason, string Field) problem)
    {
        problem = default;
        if (reader.TokenType != JsonTokenType.StartObject)
        {
            reader.Skip();
            problem = (DropReason.WrongFieldType, "words");
            return null;
        }

        var textState = FieldState.Missing;
        string? text = null;
        var startState = FieldState.Missing;
        var start = 0d;
        var endState = FieldState.Missing;
        var end = 0d;
        // Reflector's Word defaults its speaker to 0.
        var speakerState = FieldState.Present;
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
            else if (reader.ValueTextEquals("end"u8))
            {
                reader.Read();
                endState = ReflectorFrame.ReadNumber(ref reader, out end);
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

        if (textState != FieldState.Present)
        {
            problem = (textState == FieldState.Missing ? DropReason.MissingField : DropReason.WrongFieldType, "words.text");
            return null;
        }

        if (Seconds(startState, start) is { } startProblem)
        {
            problem = (startProblem, "words.start");
            return null;
        }

        if (Seconds(endState, end) is { } endProblem)
        {
            problem = (endProblem, "words.end");
            return null;
        }

        if (speakerState != FieldState.Present)
        {
            problem = (DropReason.WrongFieldType, "words.speaker");
            return null;
        }

        return new Word(text!, start, end, speaker);
    }

    private static DropReason? Seconds(FieldState state, double value) => state switch
    {
        FieldState.Missing => DropReason.MissingField,
        FieldState.Null or FieldState.WrongType => DropReason.WrongFieldType,
        _ when !double.IsFinite(value) => DropReason.InvalidFieldValue,
        _ => null,
    };
}
