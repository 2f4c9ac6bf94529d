using System.Buffers;
using System.Text.Json;
using MessagePack;

namespace Reflector.Relay.Bench.Clients;

/// <summary>
/// Reads one transcript event from what a tab receives: Reflector's own frame, or a SignalR
/// <c>transcriptEvent</c> invocation (JSON or MessagePack), and the relay's answers to <c>SubscribeTranscript</c>.
/// </summary>
internal static class TranscriptFrames
{
    /// <summary>A frame read: an event (with its stamp, empty when none), a completion, or nothing of interest.</summary>
    internal readonly record struct Frame(TranscriptEventKind? Kind, byte[] Stamp, string? CompletedInvocation, string? Error);

    private static readonly Frame Nothing = new(null, [], null, null);

    // {"event":"TOPIC","data":{"id":"run:0:1764…","title":…,"segments":[{"text":…}]}}: data's own fields are at depth 2.
    public static Frame ReadReflector(ReadOnlySpan<byte> json)
    {
        var reader = new Utf8JsonReader(json);
        TranscriptEventKind? kind = null;
        byte[] stamp = [];
        while (reader.Read())
        {
            if (reader.TokenType != JsonTokenType.PropertyName)
            {
                continue;
            }

            if (reader.CurrentDepth == 1 && reader.ValueTextEquals("event"u8))
            {
                reader.Read();
                kind = ReflectorKind(ref reader);
            }
            else if (reader.CurrentDepth == 2 && (reader.ValueTextEquals("id"u8) || reader.ValueTextEquals("text"u8)))
            {
                reader.Read();
                stamp = reader.TokenType == JsonTokenType.String ? reader.ValueSpan.ToArray() : [];
            }
        }

        return kind is null ? throw new JsonException("no event name") : new Frame(kind, kind is TranscriptEventKind.Topic or TranscriptEventKind.Transcript ? stamp : [], null, null);
    }

    // {"type":1,"target":"transcriptEvent","arguments":[{"type":"topic","transcriptId":…,"id":…}]}: the message's fields are at depth 3.
    // {"type":3,"invocationId":"1"} or {"type":3,"invocationId":"1","error":"…"}: SubscribeTranscript's answer.
    public static Frame ReadSignalRJson(ReadOnlySpan<byte> record)
    {
        var reader = new Utf8JsonReader(record);
        var hubType = 0;
        var isEvent = false;
        TranscriptEventKind? kind = null;
        byte[] stamp = [];
        string? invocation = null;
        string? error = null;
        while (reader.Read())
        {
            if (reader.TokenType != JsonTokenType.PropertyName)
            {
                continue;
            }

            var depth = reader.CurrentDepth;
            if (depth == 1 && reader.ValueTextEquals("type"u8))
            {
                reader.Read();
                hubType = reader.TokenType == JsonTokenType.Number ? reader.GetInt32() : 0;
            }
            else if (depth == 1 && reader.ValueTextEquals("target"u8))
            {
                reader.Read();
                isEvent = reader.ValueTextEquals("transcriptEvent"u8);
            }
            else if (depth == 1 && reader.ValueTextEquals("invocationId"u8))
            {
                reader.Read();
                invocation = reader.GetString();
            }
            else if (depth == 1 && reader.ValueTextEquals("error"u8))
            {
                reader.Read();
                error = reader.GetString();
            }
            else if (depth == 3 && reader.ValueTextEquals("type"u8))
            {
                reader.Read();
                kind = ContractKind(reader.ValueSpan);
            }
            else if (depth == 3 && (reader.ValueTextEquals("id"u8) || reader.ValueTextEquals("text"u8)))
            {
                reader.Read();
                stamp = reader.TokenType == JsonTokenType.String ? reader.ValueSpan.ToArray() : [];
            }
        }

        return hubType switch
        {
            1 when isEvent => new Frame(kind ?? TranscriptEventKind.Other, kind is TranscriptEventKind.Topic or TranscriptEventKind.Transcript ? stamp : [], null, null),
            3 => new Frame(null, [], invocation ?? "", error),
            _ => Nothing,
        };
    }

    // [1, headers, invocationId, "transcriptEvent", [{"type":…,"id":…,…}], …] or [3, headers, invocationId, resultKind, result?].
    public static Frame ReadSignalRMessagePack(ReadOnlyMemory<byte> message)
    {
        var reader = new MessagePackReader(message);
        var count = reader.ReadArrayHeader();
        var hubType = reader.ReadInt32();
        if (hubType == 3 && count >= 4)
        {
            reader.Skip();
            var invocation = reader.ReadString() ?? "";
            var resultKind = reader.ReadInt32();
            return new Frame(null, [], invocation, resultKind == 1 ? reader.ReadString() : null);
        }

        if (hubType != 1 || count < 5)
        {
            return Nothing;
        }

        reader.Skip();
        reader.Skip();
        if (reader.ReadString() != "transcriptEvent" || reader.ReadArrayHeader() < 1)
        {
            return Nothing;
        }

        TranscriptEventKind? kind = null;
        byte[] stamp = [];
        for (var fields = reader.ReadMapHeader(); fields > 0; fields--)
        {
            var name = reader.ReadString();
            if (name == "type")
            {
                kind = ContractKind(reader.ReadStringSequence()?.ToArray() ?? []);
            }
            else if (name is "id" or "text" && reader.NextMessagePackType == MessagePackType.String)
            {
                stamp = reader.ReadStringSequence()?.ToArray() ?? [];
            }
            else
            {
                reader.Skip();
            }
        }

        return new Frame(kind ?? TranscriptEventKind.Other, kind is TranscriptEventKind.Topic or TranscriptEventKind.Transcript ? stamp : [], null, null);
    }

    private static TranscriptEventKind ReflectorKind(ref Utf8JsonReader reader) =>
        reader.ValueTextEquals("TRANSCRIPT"u8) ? TranscriptEventKind.Transcript
        : reader.ValueTextEquals("TOPIC"u8) ? TranscriptEventKind.Topic
        : reader.ValueTextEquals("DURATION"u8) ? TranscriptEventKind.Duration
        : reader.ValueTextEquals("WAVEFORM"u8) ? TranscriptEventKind.Waveform
        : TranscriptEventKind.Other;

    private static TranscriptEventKind ContractKind(ReadOnlySpan<byte> type) =>
        type.SequenceEqual("transcript"u8) ? TranscriptEventKind.Transcript
        : type.SequenceEqual("topic"u8) ? TranscriptEventKind.Topic
        : type.SequenceEqual("duration"u8) ? TranscriptEventKind.Duration
        : type.SequenceEqual("waveform"u8) ? TranscriptEventKind.Waveform
        : type.SequenceEqual("resync"u8) ? TranscriptEventKind.Resync
        : TranscriptEventKind.Other;
}
