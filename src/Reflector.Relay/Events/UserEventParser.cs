using System.Text.Json;

namespace Reflector.Relay.Events;

/// <summary>
/// Turns one text frame of <c>/v1/events</c> (<c>{"event": NAME, "data": {...}}</c>) straight into the
/// <see cref="InvalidateMessage"/> a browser receives. A single forward pass with <see cref="Utf8JsonReader"/>: no DOM,
/// and the frame's bytes are not kept.
/// </summary>
internal static class UserEventParser
{
    public static ParsedFrame<InvalidateMessage> Parse(ReadOnlySpan<byte> utf8Json)
    {
        if (!ReflectorFrame.TryRead(utf8Json, UserEventData.Read, out var eventName, out var data, out ParsedFrame<InvalidateMessage> dropped))
        {
            return dropped;
        }

        var known = IsKnown(eventName);
        if (FieldRules.NonBlankText(data.Id) is { } idProblem)
        {
            // A newer Reflector's event that names no transcript says nothing a page could refetch.
            return known ? Drop(idProblem, eventName, "id") : ParsedFrame<InvalidateMessage>.Dropped(DropReason.UnknownEvent, eventName);
        }

        var id = data.Id.Value!;
        switch (eventName)
        {
            case "TRANSCRIPT_CREATED":
                return Parsed(new InvalidateMessage.TranscriptCreated(id), eventName);
            case "TRANSCRIPT_DELETED":
                return Parsed(new InvalidateMessage.TranscriptDeleted(id), eventName);
            case "TRANSCRIPT_RESTORED":
                return Parsed(new InvalidateMessage.TranscriptRestored(id), eventName);
            case "TRANSCRIPT_STATUS":
                return FieldRules.Status(data.Value, out var status) is { } statusProblem
                    ? Drop(statusProblem, eventName, "value")
                    : Parsed(new InvalidateMessage.TranscriptStatusChanged(id, status), eventName);
            case "TRANSCRIPT_FINAL_TITLE":
                return FieldRules.NonBlankText(data.Title) is { } titleProblem
                    ? Drop(titleProblem, eventName, "title")
                    : Parsed(new InvalidateMessage.TranscriptTitleChanged(id, data.Title.Value!), eventName);
            case "TRANSCRIPT_DURATION":
                return FieldRules.Seconds(data.Duration) is { } durationProblem
                    ? Drop(durationProblem, eventName, "duration")
                    : Parsed(new InvalidateMessage.TranscriptDurationChanged(id, data.Duration.Value), eventName);
            default:
                // A newer Reflector's event about a transcript (TRANSCRIPT_DAG_STATUS, …): the page refetches it.
                return Parsed(new InvalidateMessage.TranscriptChanged(id, eventName), eventName);
        }
    }

    private static bool IsKnown(string eventName) => eventName is
        "TRANSCRIPT_CREATED" or "TRANSCRIPT_DELETED" or "TRANSCRIPT_RESTORED" or
        "TRANSCRIPT_STATUS" or "TRANSCRIPT_FINAL_TITLE" or "TRANSCRIPT_DURATION";

    private static ParsedFrame<InvalidateMessage> Parsed(InvalidateMessage message, string eventName) =>
        ParsedFrame<InvalidateMessage>.Parsed(message, eventName);

    private static ParsedFrame<InvalidateMessage> Drop(DropReason reason, string eventName, string field) =>
        ParsedFrame<InvalidateMessage>.Dropped(reason, eventName, field);

    /// <summary>The fields of a user event's <c>data</c> some event needs; every other value is skipped without allocating.</summary>
    private struct UserEventData
    {
        public JsonField<string?> Id;
        public JsonField<string?> Value;
        public JsonField<string?> Title;
        public JsonField<double> Duration;

        public static UserEventData Read(ref Utf8JsonReader reader)
        {
            var data = default(UserEventData);
            while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
            {
                if (reader.ValueTextEquals("id"u8))
                {
                    reader.Read();
                    data.Id = JsonField.ReadString(ref reader);
                }
                else if (reader.ValueTextEquals("value"u8))
                {
                    reader.Read();
                    data.Value = JsonField.ReadString(ref reader);
                }
                else if (reader.ValueTextEquals("title"u8))
                {
                    reader.Read();
                    data.Title = JsonField.ReadString(ref reader);
                }
                else if (reader.ValueTextEquals("duration"u8))
                {
                    reader.Read();
                    data.Duration = JsonField.ReadNumber(ref reader);
                }
                else
                {
                    reader.Read();
                    reader.Skip();
                }
            }

            return data;
        }
    }
}
