using System.Text.Json;

namespace Reflector.Relay.Events;

/// <summary>
/// One element of a topic's <c>segments</c> or <c>words</c> as read, before its kind's rules apply. Both arrays share
/// this shape (a word adds <c>end</c>), and both are read the same way: to their end, keeping the first problem.
/// </summary>
internal struct SpokenPart
{
    public JsonField<string?> Text;
    public JsonField<double> Start;
    public JsonField<double> End;
    public JsonField<int> Speaker;

    /// <summary>Turns a part into its kind's element, or says which of its fields is unusable.</summary>
    public delegate bool Rules<T>(in SpokenPart part, out T element, out FieldProblem problem);

    /// <summary>
    /// Reads the value the reader is on as an array of parts named <paramref name="field"/>: null reads as none; a value
    /// of another type, or an element that is no object or breaks <paramref name="rules"/>, is a problem naming the field.
    /// The array is still read to its end, so the frame is known to be valid JSON before a drop says why.
    /// </summary>
    public static List<T>? ReadArray<T>(ref Utf8JsonReader reader, string field, Rules<T> rules, out FieldProblem? problem)
    {
        problem = null;
        if (reader.TokenType == JsonTokenType.Null)
        {
            return null;
        }

        if (reader.TokenType != JsonTokenType.StartArray)
        {
            reader.Skip();
            problem = new FieldProblem(DropReason.WrongFieldType, field);
            return null;
        }

        var elements = new List<T>();
        while (reader.Read() && reader.TokenType != JsonTokenType.EndArray)
        {
            if (!TryRead(ref reader, out var part))
            {
                problem ??= new FieldProblem(DropReason.WrongFieldType, field);
            }
            else if (rules(part, out var element, out var partProblem))
            {
                elements.Add(element);
            }
            else
            {
                problem ??= partProblem;
            }
        }

        return elements;
    }

    /// <summary>Reads the object the reader is on; false (and the element skipped) when it is not an object.</summary>
    private static bool TryRead(ref Utf8JsonReader reader, out SpokenPart part)
    {
        part = default;
        if (reader.TokenType != JsonTokenType.StartObject)
        {
            reader.Skip();
            return false;
        }

        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            if (reader.ValueTextEquals("text"u8))
            {
                reader.Read();
                part.Text = JsonField.ReadString(ref reader);
            }
            else if (reader.ValueTextEquals("start"u8))
            {
                reader.Read();
                part.Start = JsonField.ReadNumber(ref reader);
            }
            else if (reader.ValueTextEquals("end"u8))
            {
                reader.Read();
                part.End = JsonField.ReadNumber(ref reader);
            }
            else if (reader.ValueTextEquals("speaker"u8))
            {
                reader.Read();
                part.Speaker = JsonField.ReadInt32(ref reader);
            }
            else
            {
                reader.Read();
                reader.Skip();
            }
        }

        return true;
    }
}
