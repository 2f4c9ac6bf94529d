using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.SignalR.Protocol;

namespace Reflector.Relay.Bench.Clients;

/// <summary>
/// Reads one transcript event from what a tab receives: Reflector's own frame, or a SignalR
/// <c>transcriptEvent</c> invocation (JSON or MessagePack, parsed by <see cref="HubWire"/>), and the relay's answers
/// to <c>SubscribeTranscript</c>.
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

    // transcriptEvent({type:"topic", transcriptId:…, id:…, …}) or transcriptEvent({type:"transcript", text:…, …}), bound by the
    // hub protocol (a JsonElement, or a map by field name); SubscribeTranscript's answer is a completion.
    public static Frame ReadHubMessage(HubMessage message) => message switch
    {
        InvocationMessage { Target: "transcriptEvent", Arguments: [var argument, ..] } => Event(argument),
        CompletionMessage completion => new Frame(null, [], completion.InvocationId ?? "", completion.Error),
        _ => Nothing,
    };

    private static Frame Event(object? argument)
    {
        var kind = HubWire.Text(argument, "type") is { } type ? ContractKind(Encoding.UTF8.GetBytes(type)) : TranscriptEventKind.Other;
        var stamp = kind switch
        {
            TranscriptEventKind.Topic => HubWire.Text(argument, "id"),
            TranscriptEventKind.Transcript => HubWire.Text(argument, "text"),
            _ => null,
        };
        return new Frame(kind, stamp is null ? [] : Encoding.UTF8.GetBytes(stamp), null, null);
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
