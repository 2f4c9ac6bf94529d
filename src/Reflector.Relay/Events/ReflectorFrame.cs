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
/// What every Reflector WebSocket frame shares, on either endpoint: the envelope <c>{"event": NAME, "data": {...}}</c>
/// and the JSON scalars inside it. Each stream's parser supplies how to read its <c>data</c> and which events it knows;
/// this reads the envelope in the same forward pass and turns any malformed input into a drop, never an exception.
/// </summary>
internal static class ReflectorFrame
{
    // Bounds the reader's nesting so hostile input cannot make it work or recurse without limit.
    public const int MaxDepth = 32;

    // Event names are attacker-influenced text that ends up in logs; keep them short.
    private const int MaxLoggedEventNameLength = 64;

    /// <summary>Reads a frame's <c>data</c> object; the reader is on its <c>StartObject</c> and must end on its <c>EndObject</c>.</summary>
    public delegate TData DataReader<TData>(ref Utf8JsonReader reader);

    /// <summary>
    /// Reads the envelope of a frame naming an event with an object as <c>data</c>; otherwise returns false and why
    /// the frame is dropped. Whether the event is one the relay knows is the stream's parser's to decide: a newer
    /// Reflector's events are passed on in a general form, not dropped.
    /// </summary>
    public static bool TryRead<TData, TMessage>(
        ReadOnlySpan<byte> utf8Json,
        DataReader<TData> readData,
        out string eventName,
        out TData data,
        out ParsedFrame<TMessage> dropped)
        where TData : struct
        where TMessage : class
    {
        eventName = "";
        data = default;
        if (utf8Json.IsEmpty)
        {
            dropped = ParsedFrame<TMessage>.Dropped(DropReason.EmptyFrame);
            return false;
        }

        try
        {
            return TryReadCore(utf8Json, readData, out eventName, out data, out dropped);
        }
        catch (JsonException)
        {
            dropped = ParsedFrame<TMessage>.Dropped(DropReason.NotJson);
            return false;
        }
        catch (InvalidOperationException)
        {
            // Utf8JsonReader throws this for malformed UTF-8 inside strings.
            dropped = ParsedFrame<TMessage>.Dropped(DropReason.NotJson);
            return false;
        }
    }

    private static bool TryReadCore<TData, TMessage>(
        ReadOnlySpan<byte> utf8Json,
        DataReader<TData> readData,
        out string eventName,
        out TData data,
        out ParsedFrame<TMessage> dropped)
        where TData : struct
        where TMessage : class
    {
        eventName = "";
        data = default;
        dropped = default;
        var reader = new Utf8JsonReader(utf8Json, new JsonReaderOptions { MaxDepth = MaxDepth });
        if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject)
        {
            dropped = ParsedFrame<TMessage>.Dropped(DropReason.NotAnObject);
            return false;
        }

        string? name = null;
        var nameWrongType = false;
        var dataState = FieldState.Missing;
        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            if (reader.ValueTextEquals("event"u8))
            {
                reader.Read();
                nameWrongType = reader.TokenType != JsonTokenType.String;
                name = nameWrongType ? null : Truncate(reader.GetString()!);
                reader.Skip();
            }
            else if (reader.ValueTextEquals("data"u8))
            {
                reader.Read();
                if (reader.TokenType == JsonTokenType.StartObject)
                {
                    dataState = FieldState.Present;
                    data = readData(ref reader);
                }
                else
                {
                    dataState = FieldState.WrongType;
                    reader.Skip();
                }
            }
            else
            {
                reader.Read();
                reader.Skip();
            }
        }

        // Anything after the object (a second value, garbage) makes the frame invalid JSON.
        if (reader.Read())
        {
            dropped = ParsedFrame<TMessage>.Dropped(DropReason.NotJson);
            return false;
        }

        if (nameWrongType)
        {
            dropped = ParsedFrame<TMessage>.Dropped(DropReason.WrongFieldType, field: "event");
            return false;
        }

        if (string.IsNullOrEmpty(name))
        {
            dropped = ParsedFrame<TMessage>.Dropped(DropReason.MissingEventName);
            return false;
        }

        if (dataState != FieldState.Present)
        {
            var reason = dataState == FieldState.Missing ? DropReason.MissingData : DropReason.WrongFieldType;
            dropped = ParsedFrame<TMessage>.Dropped(reason, name, "data");
            return false;
        }

        eventName = name;
        return true;
    }

    /// <summary>Reads the value the reader is on as a string; any other value is skipped.</summary>
    public static FieldState ReadString(ref Utf8JsonReader reader, out string? value)
    {
        value = null;
        switch (reader.TokenType)
        {
            case JsonTokenType.String:
                value = reader.GetString();
                return FieldState.Present;
            case JsonTokenType.Null:
                return FieldState.Null;
            default:
                reader.Skip();
                return FieldState.WrongType;
        }
    }

    /// <summary>
    /// Reads the value the reader is on as a number; any other value is skipped. A number too large for a double reads as
    /// infinity, which <see cref="IsFiniteAndNotNegative"/> or <see cref="double.IsFinite"/> then refuses.
    /// </summary>
    public static FieldState ReadNumber(ref Utf8JsonReader reader, out double value)
    {
        value = 0;
        switch (reader.TokenType)
        {
            case JsonTokenType.Number when reader.TryGetDouble(out value):
                return FieldState.Present;
            case JsonTokenType.Null:
                return FieldState.Null;
            default:
                reader.Skip();
                return FieldState.WrongType;
        }
    }

    /// <summary>Why a string field that must be present and not blank is unusable, or null when it is fine.</summary>
    public static DropReason? RequiredText(FieldState state, string? value) => state switch
    {
        FieldState.Missing => DropReason.MissingField,
        FieldState.Null or FieldState.WrongType => DropReason.WrongFieldType,
        _ when string.IsNullOrWhiteSpace(value) => DropReason.InvalidFieldValue,
        _ => null,
    };

    /// <summary>Why a duration-like number that must be present, finite and not negative is unusable, or null when it is fine.</summary>
    public static DropReason? RequiredSeconds(FieldState state, double value) => state switch
    {
        FieldState.Missing => DropReason.MissingField,
        FieldState.Null or FieldState.WrongType => DropReason.WrongFieldType,
        _ when !IsFiniteAndNotNegative(value) => DropReason.InvalidFieldValue,
        _ => null,
    };

    public static bool IsFiniteAndNotNegative(double value) => double.IsFinite(value) && value >= 0;

    /// <summary>Reflector's status names, the same on both endpoints (<c>data.value</c>).</summary>
    public static bool TryParseStatus(string? value, out TranscriptStatus status)
    {
        switch (value)
        {
            case "idle": status = TranscriptStatus.Idle; return true;
            case "uploaded": status = TranscriptStatus.Uploaded; return true;
            case "recording": status = TranscriptStatus.Recording; return true;
            case "processing": status = TranscriptStatus.Processing; return true;
            case "error": status = TranscriptStatus.Error; return true;
            case "ended": status = TranscriptStatus.Ended; return true;
            default: status = default; return false;
        }
    }

    private static string Truncate(string value) =>
        value.Length <= MaxLoggedEventNameLength ? value : value[..MaxLoggedEventNameLength];
}
