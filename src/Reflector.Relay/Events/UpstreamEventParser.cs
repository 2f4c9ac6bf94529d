using System.Text.Json;

namespace Reflector.Relay.Events;

/// <summary>The outcome of parsing one frame: an event, or the reason it was dropped.</summary>
internal readonly record struct ParseResult(UpstreamEvent? Event, string? EventName, DropReason? DropReason, string? Field = null)
{
    public static ParseResult Dropped(DropReason reason, string? eventName = null, string? field = null) =>
        new(null, eventName, reason, field);
}

/// <summary>
/// Turns one text frame (<c>{"event": NAME, "data": {...}}</c>) into a typed <see cref="UpstreamEvent"/>.
/// A single forward pass with <see cref="Utf8JsonReader"/>: no DOM, and the frame's bytes are not kept.
/// </summary>
internal static class UpstreamEventParser
{
    // Event names are attacker-influenced text that ends up in logs; keep them short.
    private const int MaxLoggedEventNameLength = 64;

    public static ParseResult Parse(ReadOnlySpan<byte> utf8Json)
    {
        if (utf8Json.IsEmpty)
        {
            return ParseResult.Dropped(DropReason.EmptyFrame);
        }

        try
        {
            return ParseCore(utf8Json);
        }
        catch (JsonException)
        {
            return ParseResult.Dropped(DropReason.NotJson);
        }
        catch (InvalidOperationException)
        {
            // Utf8JsonReader throws this for malformed UTF-8 inside strings.
            return ParseResult.Dropped(DropReason.NotJson);
        }
    }

    private static ParseResult ParseCore(ReadOnlySpan<byte> utf8Json)
    {
        var reader = new Utf8JsonReader(utf8Json, new JsonReaderOptions { MaxDepth = 32 });
        if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject)
        {
            return ParseResult.Dropped(DropReason.NotAnObject);
        }

        string? eventName = null;
        var eventNameWrongType = false;
        var dataState = FieldState.Missing;
        var data = default(DataFields);

        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            if (reader.ValueTextEquals("event"u8))
            {
                reader.Read();
                eventNameWrongType = reader.TokenType != JsonTokenType.String;
                eventName = eventNameWrongType ? null : Truncate(reader.GetString()!);
                reader.Skip();
            }
            else if (reader.ValueTextEquals("data"u8))
            {
                reader.Read();
                if (reader.TokenType == JsonTokenType.StartObject)
                {
                    dataState = FieldState.Present;
                    data = ReadData(ref reader);
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
            return ParseResult.Dropped(DropReason.NotJson);
        }

        if (eventNameWrongType)
        {
            return ParseResult.Dropped(DropReason.WrongFieldType, field: "event");
        }

        if (string.IsNullOrEmpty(eventName))
        {
            return ParseResult.Dropped(DropReason.MissingEventName);
        }

        if (!IsKnown(eventName))
        {
            return ParseResult.Dropped(DropReason.UnknownEvent, eventName);
        }

        return dataState switch
        {
            FieldState.Missing => ParseResult.Dropped(DropReason.MissingData, eventName, "data"),
            FieldState.WrongType => ParseResult.Dropped(DropReason.WrongFieldType, eventName, "data"),
            _ => Build(eventName, data),
        };
    }

    private static bool IsKnown(string eventName) => eventName is
        "TRANSCRIPT_CREATED" or "TRANSCRIPT_DELETED" or "TRANSCRIPT_RESTORED" or
        "TRANSCRIPT_STATUS" or "TRANSCRIPT_FINAL_TITLE" or "TRANSCRIPT_DURATION";

    private static ParseResult Build(string eventName, in DataFields data)
    {
        if (Check(data.IdState, data.Id, "id", eventName) is { } idProblem)
        {
            return idProblem;
        }

        var id = data.Id!;
        switch (eventName)
        {
            case "TRANSCRIPT_CREATED":
                return Ok(new UpstreamEvent.TranscriptCreated(id), eventName);
            case "TRANSCRIPT_DELETED":
                return Ok(new UpstreamEvent.TranscriptDeleted(id), eventName);
            case "TRANSCRIPT_RESTORED":
                return Ok(new UpstreamEvent.TranscriptRestored(id), eventName);
            case "TRANSCRIPT_STATUS":
                if (Check(data.ValueState, data.Value, "value", eventName) is { } valueProblem)
                {
                    return valueProblem;
                }

                return TryParseStatus(data.Value!, out var status)
                    ? Ok(new UpstreamEvent.TranscriptStatus(id, status), eventName)
                    : ParseResult.Dropped(DropReason.InvalidFieldValue, eventName, "value");
            case "TRANSCRIPT_FINAL_TITLE":
                if (Check(data.TitleState, data.Title, "title", eventName) is { } titleProblem)
                {
                    return titleProblem;
                }

                return Ok(new UpstreamEvent.TranscriptFinalTitle(id, data.Title!), eventName);
            default: // TRANSCRIPT_DURATION
                return data.DurationState switch
                {
                    FieldState.Missing => ParseResult.Dropped(DropReason.MissingField, eventName, "duration"),
                    FieldState.WrongType => ParseResult.Dropped(DropReason.WrongFieldType, eventName, "duration"),
                    _ when !double.IsFinite(data.Duration) || data.Duration < 0 =>
                        ParseResult.Dropped(DropReason.InvalidFieldValue, eventName, "duration"),
                    _ => Ok(new UpstreamEvent.TranscriptDuration(id, data.Duration), eventName),
                };
        }
    }

    private static ParseResult? Check(FieldState state, string? value, string field, string eventName) => state switch
    {
        FieldState.Missing => ParseResult.Dropped(DropReason.MissingField, eventName, field),
        FieldState.WrongType => ParseResult.Dropped(DropReason.WrongFieldType, eventName, field),
        _ when string.IsNullOrWhiteSpace(value) => ParseResult.Dropped(DropReason.InvalidFieldValue, eventName, field),
        _ => null,
    };

    private static ParseResult Ok(UpstreamEvent upstreamEvent, string eventName) => new(upstreamEvent, eventName, null);

    private static bool TryParseStatus(string value, out TranscriptStatus status)
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

    private static DataFields ReadData(ref Utf8JsonReader reader)
    {
        var fields = default(DataFields);
        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            if (reader.ValueTextEquals("id"u8))
            {
                reader.Read();
                fields.IdState = ReadString(ref reader, out fields.Id);
            }
            else if (reader.ValueTextEquals("value"u8))
            {
                reader.Read();
                fields.ValueState = ReadString(ref reader, out fields.Value);
            }
            else if (reader.ValueTextEquals("title"u8))
            {
                reader.Read();
                fields.TitleState = ReadString(ref reader, out fields.Title);
            }
            else if (reader.ValueTextEquals("duration"u8))
            {
                reader.Read();
                fields.DurationState = reader.TokenType == JsonTokenType.Number && reader.TryGetDouble(out fields.Duration)
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

        return fields;
    }

    private static FieldState ReadString(ref Utf8JsonReader reader, out string? value)
    {
        if (reader.TokenType == JsonTokenType.String)
        {
            value = reader.GetString();
            return FieldState.Present;
        }

        value = null;
        reader.Skip();
        return FieldState.WrongType;
    }

    private static string Truncate(string value) =>
        value.Length <= MaxLoggedEventNameLength ? value : value[..MaxLoggedEventNameLength];

    private enum FieldState
    {
        Missing,
        Present,
        WrongType,
    }

    private struct DataFields
    {
        public FieldState IdState;
        public string? Id;
        public FieldState ValueState;
        public string? Value;
        public FieldState TitleState;
        public string? Title;
        public FieldState DurationState;
        public double Duration;
    }
}
