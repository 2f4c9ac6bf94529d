using System.Text.Json;

namespace Reflector.Relay.Events;

/// <summary>Whether a field of a frame's <c>data</c> was there, and with the JSON type its event needs.</summary>
internal enum FieldState
{
    Missing,
    Present,
    Null,
    WrongType,
}

/// <summary>
/// One field of a frame's <c>data</c> as read, before its event's rules apply. The default is a field that was not sent,
/// so a reader only assigns the fields it meets.
/// </summary>
internal readonly record struct JsonField<T>(FieldState State, T Value);

/// <summary>Reads the single JSON value the reader is on into a <see cref="JsonField{T}"/>; any other value is skipped.</summary>
internal static class JsonField
{
    public static JsonField<string?> ReadString(ref Utf8JsonReader reader)
    {
        switch (reader.TokenType)
        {
            case JsonTokenType.String:
                return new(FieldState.Present, reader.GetString());
            case JsonTokenType.Null:
                return new(FieldState.Null, null);
            default:
                reader.Skip();
                return new(FieldState.WrongType, null);
        }
    }

    /// <summary>
    /// A number too large for a double reads as infinity, which the rules for numbers then refuse: the relay could not
    /// write it to JSON.
    /// </summary>
    public static JsonField<double> ReadNumber(ref Utf8JsonReader reader)
    {
        switch (reader.TokenType)
        {
            case JsonTokenType.Number when reader.TryGetDouble(out var value):
                return new(FieldState.Present, value);
            case JsonTokenType.Null:
                return new(FieldState.Null, 0);
            default:
                reader.Skip();
                return new(FieldState.WrongType, 0);
        }
    }

    /// <summary>A whole number that fits an <see cref="int"/>; anything else, null included, is the wrong type.</summary>
    public static JsonField<int> ReadInt32(ref Utf8JsonReader reader)
    {
        var field = reader.TokenType == JsonTokenType.Number && reader.TryGetInt32(out var value)
            ? new JsonField<int>(FieldState.Present, value)
            : new JsonField<int>(FieldState.WrongType, 0);
        reader.Skip();
        return field;
    }

    /// <summary>An object, copied out of the frame, whose buffer the socket reuses for the next frame.</summary>
    public static JsonField<JsonElement> ReadObject(ref Utf8JsonReader reader)
    {
        if (reader.TokenType != JsonTokenType.StartObject)
        {
            reader.Skip();
            return new(FieldState.WrongType, default);
        }

        return new(FieldState.Present, JsonElement.ParseValue(ref reader));
    }
}
