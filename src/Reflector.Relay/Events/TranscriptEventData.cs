using System.Text.Json;

namespace Reflector.Relay.Events;

/// <summary>
/// The <c>data</c> of one transcript-stream frame as read, before its event's rules apply. The envelope may name its
/// event after the data, so every field some event needs is kept in the one forward pass, and every other value is
/// skipped without allocating.
/// </summary>
internal struct TranscriptEventData
{
    // Reflector sends 255 samples; the list grows past that only for a longer waveform.
    private const int WaveformSamples = 255;

    public JsonField<string?> Text;
    public JsonField<string?> Translation;
    public JsonField<string?> Id;
    public JsonField<string?> Title;
    public JsonField<string?> Summary;
    public JsonField<string?> Transcript;
    public JsonField<double> Timestamp;
    public JsonField<double> Duration;
    public JsonField<string?> Value;
    public JsonField<string?> LongSummary;
    public JsonField<string?> ShortSummary;
    public JsonField<JsonElement> ActionItems;
    public List<TopicSegment>? Segments;
    public FieldProblem? SegmentsProblem;
    public List<TopicWords.Word>? Words;
    public FieldProblem? WordsProblem;
    public JsonField<List<double>?> Waveform;
    public bool WaveformNotFinite;

    /// <summary>Reads a frame's <c>data</c> object; the reader is on its <c>StartObject</c> and ends on its <c>EndObject</c>.</summary>
    public static TranscriptEventData Read(ref Utf8JsonReader reader)
    {
        var data = default(TranscriptEventData);
        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            if (reader.ValueTextEquals("text"u8))
            {
                reader.Read();
                data.Text = JsonField.ReadString(ref reader);
            }
            else if (reader.ValueTextEquals("translation"u8))
            {
                reader.Read();
                data.Translation = JsonField.ReadString(ref reader);
            }
            else if (reader.ValueTextEquals("id"u8))
            {
                reader.Read();
                data.Id = JsonField.ReadString(ref reader);
            }
            else if (reader.ValueTextEquals("title"u8))
            {
                reader.Read();
                data.Title = JsonField.ReadString(ref reader);
            }
            else if (reader.ValueTextEquals("summary"u8))
            {
                reader.Read();
                data.Summary = JsonField.ReadString(ref reader);
            }
            else if (reader.ValueTextEquals("transcript"u8))
            {
                reader.Read();
                data.Transcript = JsonField.ReadString(ref reader);
            }
            else if (reader.ValueTextEquals("timestamp"u8))
            {
                reader.Read();
                data.Timestamp = JsonField.ReadNumber(ref reader);
            }
            else if (reader.ValueTextEquals("duration"u8))
            {
                reader.Read();
                data.Duration = JsonField.ReadNumber(ref reader);
            }
            else if (reader.ValueTextEquals("value"u8))
            {
                reader.Read();
                data.Value = JsonField.ReadString(ref reader);
            }
            else if (reader.ValueTextEquals("long_summary"u8))
            {
                reader.Read();
                data.LongSummary = JsonField.ReadString(ref reader);
            }
            else if (reader.ValueTextEquals("short_summary"u8))
            {
                reader.Read();
                data.ShortSummary = JsonField.ReadString(ref reader);
            }
            else if (reader.ValueTextEquals("action_items"u8))
            {
                reader.Read();
                data.ActionItems = JsonField.ReadObject(ref reader);
            }
            else if (reader.ValueTextEquals("segments"u8))
            {
                reader.Read();
                data.Segments = TopicSegments.Read(ref reader, out data.SegmentsProblem);
            }
            else if (reader.ValueTextEquals("words"u8))
            {
                reader.Read();
                data.Words = TopicWords.Read(ref reader, out data.WordsProblem);
            }
            else if (reader.ValueTextEquals("waveform"u8))
            {
                reader.Read();
                data.Waveform = ReadWaveform(ref reader, out data.WaveformNotFinite);
            }
            else
            {
                reader.Read();
                reader.Skip();
            }
        }

        return data;
    }

    /// <summary>
    /// Reads the value the reader is on as an array of numbers; an element of another type makes it the wrong type, and a
    /// number too large for a double is flagged rather than kept.
    /// </summary>
    private static JsonField<List<double>?> ReadWaveform(ref Utf8JsonReader reader, out bool notFinite)
    {
        notFinite = false;
        if (reader.TokenType != JsonTokenType.StartArray)
        {
            var state = reader.TokenType == JsonTokenType.Null ? FieldState.Null : FieldState.WrongType;
            reader.Skip();
            return new(state, null);
        }

        var samples = new List<double>(WaveformSamples);
        var allNumbers = true;
        while (reader.Read() && reader.TokenType != JsonTokenType.EndArray)
        {
            var sample = JsonField.ReadNumber(ref reader);
            if (sample.State != FieldState.Present)
            {
                allNumbers = false;
            }
            else if (!double.IsFinite(sample.Value))
            {
                notFinite = true;
            }
            else
            {
                samples.Add(sample.Value);
            }
        }

        return new(allNumbers ? FieldState.Present : FieldState.WrongType, samples);
    }
}
