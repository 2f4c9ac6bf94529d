using System.Text.Json;

namespace Reflector.Relay.Events;

/// <summary>
/// What every Reflector WebSocket frame shares, on either endpoint: the envelope <c>{"event": NAME, "data": {...}}</c>.
/// Each stream's parser supplies how to read its <c>data</c> and which events it knows; this reads the envelope in the
/// same forward pass and turns any malformed input into a drop, never an exception.
/// </summary>
internal static class ReflectorFrame
{
    // Bounds the reader's nesting so hostile input cannot make it work or recurse without limit.
    private const int MaxDepth = 32;

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

    /// <summary>
    /// Reads a frame <see cref="TryRead"/> accepted a second time for its <c>data</c> as sent, copied out of the frame,
    /// whose buffer the socket reuses once the parser returns. Only a newer Reflector's events need this.
    /// </summary>
    public static JsonElement CopyData(ReadOnlySpan<byte> utf8Json)
    {
        var reader = new Utf8JsonReader(utf8Json, new JsonReaderOptions { MaxDepth = MaxDepth });
        reader.Read();
        JsonElement data = default;
        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            var isData = reader.ValueTextEquals("data"u8);
            reader.Read();
            if (isData)
            {
                data = JsonElement.ParseValue(ref reader);
            }
            else
            {
                reader.Skip();
            }
        }

        return data;
    }

    private static string Truncate(string value) =>
        value.Length <= MaxLoggedEventNameLength ? value : value[..MaxLoggedEventNameLength];
}
