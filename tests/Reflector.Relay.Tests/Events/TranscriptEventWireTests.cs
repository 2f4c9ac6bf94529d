using System.Buffers;
using System.Text;
using System.Text.Json;
using MessagePack;
using Microsoft.AspNetCore.SignalR;
using Microsoft.AspNetCore.SignalR.Protocol;
using Microsoft.Extensions.DependencyInjection;
using Reflector.Relay.Events;
using Reflector.Relay.Hubs;

namespace Reflector.Relay.Tests.Events;

/// <summary>
/// Every <c>transcriptEvent</c> kind as the relay's own hub protocols write it, decoded here without the relay's types
/// (JSON text, and MessagePack read token by token) so that shared records cannot hide a mismatch with the contract.
/// </summary>
public sealed class TranscriptEventWireTests
{
    private static readonly JsonElement ActionItems = JsonDocument.Parse(
        """{"decisions":[{"text":"Ship it","assignee":null}],"next_steps":[],"meta":{"n":1.5,"ok":true}}""").RootElement;

    public static TheoryData<string, string> EveryKind => new()
    {
        { nameof(TranscriptEventMessage.LiveText), """{"type":"transcript","transcriptId":"t1","text":"Hello","translation":"Bonjour"}""" },
        { nameof(TranscriptEventMessage.LiveText) + "Untranslated", """{"type":"transcript","transcriptId":"t1","text":"Hello","translation":null}""" },
        {
            nameof(TranscriptEventMessage.TopicUpdated),
            """{"type":"topic","transcriptId":"t1","id":"tp1","title":"Budget","summary":"Money talk.","timestamp":12.5,"duration":30.25,"transcript":"Money. More.","segments":[{"text":"Money.","start":12.5,"speaker":0},{"text":"More.","start":14,"speaker":1}]}"""
        },
        {
            nameof(TranscriptEventMessage.TopicUpdated) + "Open",
            """{"type":"topic","transcriptId":"t1","id":"tp2","title":"","summary":"","timestamp":0,"duration":null,"transcript":"","segments":[]}"""
        },
        { nameof(TranscriptEventMessage.StatusChanged), """{"type":"status","transcriptId":"t1","status":"processing"}""" },
        { nameof(TranscriptEventMessage.FinalTitle), """{"type":"finalTitle","transcriptId":"t1","title":"Weekly sync"}""" },
        { nameof(TranscriptEventMessage.FinalLongSummary), """{"type":"finalLongSummary","transcriptId":"t1","longSummary":"Long."}""" },
        { nameof(TranscriptEventMessage.FinalShortSummary), """{"type":"finalShortSummary","transcriptId":"t1","shortSummary":"Short."}""" },
        {
            nameof(TranscriptEventMessage.ActionItemsChanged),
            """{"type":"actionItems","transcriptId":"t1","actionItems":{"decisions":[{"text":"Ship it","assignee":null}],"next_steps":[],"meta":{"n":1.5,"ok":true}}}"""
        },
        { nameof(TranscriptEventMessage.DurationChanged), """{"type":"duration","transcriptId":"t1","duration":61.25}""" },
        { nameof(TranscriptEventMessage.WaveformChanged), """{"type":"waveform","transcriptId":"t1","waveform":[0,0.25,1]}""" },
        {
            nameof(TranscriptEventMessage.Unknown),
            """{"type":"unknown","transcriptId":"t1","event":"DAG_TASK_PROGRESS","data":{"task":"diarize","progress":0.5,"done":false,"steps":[1,2]}}"""
        },
        { nameof(TranscriptEventMessage.Resync), """{"type":"resync","transcriptId":"t1","reason":"upstreamReconnected"}""" },
    };

    private static TranscriptEventMessage Message(string kind) => kind switch
    {
        "LiveText" => new TranscriptEventMessage.LiveText("t1", "Hello", "Bonjour"),
        "LiveTextUntranslated" => new TranscriptEventMessage.LiveText("t1", "Hello", null),
        "TopicUpdated" => new TranscriptEventMessage.TopicUpdated(
            "t1", "tp1", "Budget", "Money talk.", 12.5, 30.25, "Money. More.",
            [new TopicSegment("Money.", 12.5, 0), new TopicSegment("More.", 14, 1)]),
        "TopicUpdatedOpen" => new TranscriptEventMessage.TopicUpdated("t1", "tp2", "", "", 0, null, "", []),
        "StatusChanged" => new TranscriptEventMessage.StatusChanged("t1", TranscriptStatus.Processing),
        "FinalTitle" => new TranscriptEventMessage.FinalTitle("t1", "Weekly sync"),
        "FinalLongSummary" => new TranscriptEventMessage.FinalLongSummary("t1", "Long."),
        "FinalShortSummary" => new TranscriptEventMessage.FinalShortSummary("t1", "Short."),
        "ActionItemsChanged" => new TranscriptEventMessage.ActionItemsChanged("t1", ActionItems),
        "DurationChanged" => new TranscriptEventMessage.DurationChanged("t1", 61.25),
        "WaveformChanged" => new TranscriptEventMessage.WaveformChanged("t1", [0, 0.25, 1]),
        "Unknown" => new TranscriptEventMessage.Unknown(
            "t1", "DAG_TASK_PROGRESS", JsonDocument.Parse("""{"task":"diarize","progress":0.5,"done":false,"steps":[1,2]}""").RootElement),
        "Resync" => new TranscriptEventMessage.Resync("t1", ResyncReason.UpstreamReconnected),
        _ => throw new ArgumentOutOfRangeException(nameof(kind), kind, null),
    };

    [Fact]
    public void Every_kind_of_the_contract_is_covered()
    {
        var kinds = EveryKind.Select(row => (string)row[0]).Select(Message).Select(message => message.GetType()).ToHashSet();
        var declared = typeof(TranscriptEventMessage).GetNestedTypes().Where(type => type.IsSubclassOf(typeof(TranscriptEventMessage)));

        Assert.Equal(declared.ToHashSet(), kinds);
    }

    [Theory]
    [MemberData(nameof(EveryKind))]
    public void Json_protocol_writes_the_contract_fields(string kind, string expected)
    {
        var bytes = Write(RelayProtocol("json"), Message(kind));

        Assert.Equal(0x1e, bytes[^1]);
        using var invocation = JsonDocument.Parse(bytes.AsMemory(0, bytes.Length - 1));
        Assert.Equal(1, invocation.RootElement.GetProperty("type").GetInt32());
        Assert.Equal("transcriptEvent", invocation.RootElement.GetProperty("target").GetString());
        var arguments = invocation.RootElement.GetProperty("arguments");
        Assert.Equal(1, arguments.GetArrayLength());
        // Field order is not part of the contract (the base's transcriptId comes after the derived fields).
        Assert.True(
            JsonElement.DeepEquals(JsonDocument.Parse(expected).RootElement, arguments[0]),
            $"expected {expected}\n     got {arguments[0].GetRawText()}");
    }

    [Theory]
    [MemberData(nameof(EveryKind))]
    public void Messagepack_protocol_writes_the_same_fields_as_maps_arrays_and_nil(string kind, string expected)
    {
        var bytes = Write(RelayProtocol("messagepack"), Message(kind));

        var argument = ReadSingleArgument(bytes, out var target);

        Assert.Equal("transcriptEvent", target);
        var expectedJson = JsonDocument.Parse(expected).RootElement;
        var actualJson = JsonDocument.Parse(MessagePackSerializer.ConvertToJson(argument)).RootElement;
        Assert.True(JsonElement.DeepEquals(expectedJson, actualJson), $"expected {expected}\n     got {actualJson.GetRawText()}");
        // ConvertToJson turns maps into objects and nil into null; check the token types that matter to a client too.
        AssertSameMessagePackTypes(argument, expectedJson);
    }

    /// <summary>The protocols the relay's own registration builds, options and all.</summary>
    private static IHubProtocol RelayProtocol(string name)
    {
        var services = new ServiceCollection();
        services.AddLogging();
        services.AddUserEventsHub();
        using var provider = services.BuildServiceProvider();
        return provider.GetServices<IHubProtocol>().Single(protocol => protocol.Name == name);
    }

    private static byte[] Write(IHubProtocol protocol, TranscriptEventMessage message)
    {
        var buffer = new ArrayBufferWriter<byte>();
        protocol.WriteMessage(new InvocationMessage(ClientMethods.TranscriptEvent, [message]), buffer);
        return buffer.WrittenSpan.ToArray();
    }

    /// <summary>
    /// Reads SignalR's binary framing (a varint length, then <c>[1, headers, invocationId, target, arguments, …]</c>) and
    /// returns the raw MessagePack of the single argument.
    /// </summary>
    private static ReadOnlyMemory<byte> ReadSingleArgument(byte[] bytes, out string? target)
    {
        var length = 0;
        var offset = 0;
        for (var shift = 0; ; shift += 7)
        {
            var b = bytes[offset++];
            length |= (b & 0x7f) << shift;
            if ((b & 0x80) == 0)
            {
                break;
            }
        }

        Assert.Equal(bytes.Length - offset, length);
        var payload = bytes.AsMemory(offset, length);
        var reader = new MessagePackReader(payload);
        Assert.True(reader.ReadArrayHeader() >= 5);
        Assert.Equal(1, reader.ReadInt32()); // invocation
        reader.Skip(); // headers
        Assert.True(reader.TryReadNil()); // no invocation id: the client does not reply
        target = reader.ReadString();
        Assert.Equal(1, reader.ReadArrayHeader());
        var start = (int)reader.Consumed;
        reader.Skip();
        return payload.Slice(start, (int)reader.Consumed - start);
    }

    private static void AssertSameMessagePackTypes(ReadOnlyMemory<byte> value, JsonElement expected)
    {
        var reader = new MessagePackReader(value);
        AssertSameType(ref reader, expected);
    }

    private static void AssertSameType(ref MessagePackReader reader, JsonElement expected)
    {
        switch (expected.ValueKind)
        {
            case JsonValueKind.Object:
                Assert.Equal(MessagePackType.Map, reader.NextMessagePackType);
                var count = reader.ReadMapHeader();
                Assert.Equal(expected.EnumerateObject().Count(), count);
                for (var i = 0; i < count; i++)
                {
                    var name = reader.ReadString()!;
                    AssertSameType(ref reader, expected.GetProperty(name));
                }

                break;
            case JsonValueKind.Array:
                Assert.Equal(MessagePackType.Array, reader.NextMessagePackType);
                var length = reader.ReadArrayHeader();
                Assert.Equal(expected.GetArrayLength(), length);
                foreach (var item in expected.EnumerateArray())
                {
                    AssertSameType(ref reader, item);
                }

                break;
            case JsonValueKind.Number:
                Assert.Contains(reader.NextMessagePackType, (MessagePackType[])[MessagePackType.Integer, MessagePackType.Float]);
                reader.Skip();
                break;
            case JsonValueKind.String:
                Assert.Equal(MessagePackType.String, reader.NextMessagePackType);
                reader.Skip();
                break;
            case JsonValueKind.Null:
                Assert.True(reader.TryReadNil(), "expected nil");
                break;
            default:
                Assert.Equal(MessagePackType.Boolean, reader.NextMessagePackType);
                reader.Skip();
                break;
        }
    }
}
