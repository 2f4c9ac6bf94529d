using System.Text.Json;

namespace Reflector.Relay.Events;

/// <summary>
/// One element of a topic's <c>segments</c> or <c>words</c> as read, before its kind's rules apply: each field with
/// whether it was there and of the right JSON type. Both arrays share this shape (a word adds <c>end</c>).
/// </summary>
internal struct SpokenPart
{
    public FieldState TextState;
    public string? Text;
    public FieldState StartState;
    public double Start;
    public FieldState EndState;
    public double End;
    public FieldState SpeakerState;
    public int Speaker;

    /// <summary>Reads the object the reader is on; false (and the element skipped) when it is not an object.</summary>
    public static bool TryRead(ref Utf8JsonReader reader, out SpokenPart part)
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
                part.TextState = ReflectorFrame.ReadString(ref reader, out part.Text);
            }
            else if (reader.ValueTextEquals("start"u8))
            {
                reader.Read();
                part.StartState = ReflectorFrame.ReadNumber(ref reader, out part.Start);
            }
            else if (reader.ValueTextEquals("end"u8))
            {
                reader.Read();
                part.EndState = ReflectorFrame.ReadNumber(ref reader, out part.End);
            }
            else if (reader.ValueTextEquals("speaker"u8))
            {
                reader.Read();
                part.SpeakerState = reader.TokenType == JsonTokenType.Number && reader.TryGetInt32(out part.Speaker)
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

        return true;
    }

    /// <summary>Why a number that must be present and finite is unusable, or null when it is fine.</summary>
    public static DropReason? FiniteNumber(FieldState state, double value) => state switch
    {
        FieldState.Missing => DropReason.MissingField,
        FieldState.Null or FieldState.WrongType => DropReason.WrongFieldType,
        _ when !double.IsFinite(value) => DropReason.InvalidFieldValue,
        _ => null,
    };
}
