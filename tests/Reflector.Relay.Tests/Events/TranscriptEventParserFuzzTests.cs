using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Reflector.Relay.Events;

namespace Reflector.Relay.Tests.Events;

/// <summary>
/// Generated input for the per-transcript frame parser, as for the user-event parser: whatever comes in, it returns
/// (never throws), and a message it returns is complete and can be written to the wire after the frame's buffer is
/// overwritten.
/// </summary>
public sealed class TranscriptEventParserFuzzTests
{
    private static readonly string[] EventNames =
    [
        "TRANSCRIPT", "TOPIC", "STATUS", "FINAL_TITLE", "FINAL_LONG_SUMMARY", "FINAL_SHORT_SUMMARY",
        "ACTION_ITEMS", "DURATION", "WAVEFORM", "TRANSCRIPT_CREATED", "", "topic",
    ];

    // As SignalR's JSON protocol writes messages: camelCase.
    private static readonly JsonSerializerOptions WireOptions = new(JsonSerializerDefaults.Web);

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    public void Arbitrary_frame_shaped_json_never_throws_and_never_yields_an_incomplete_message(int seed)
    {
        var random = new Random(seed);
        var parsedMessages = 0;
        for (var i = 0; i < 10_000; i++)
        {
            var frame = Encoding.UTF8.GetBytes(RandomJson.Frame(random, EventNames, () => RandomData(random)).ToJsonString());

            var result = TranscriptEventParser.Parse("t1", frame);
            Array.Fill(frame, (byte)0);

            Assert.True(result.Message is not null ^ result.DropReason is not null);
            if (result.Message is { } parsed)
            {
                parsedMessages++;
                AssertComplete(parsed);
            }
        }

        // The generator must reach the happy path often, or the property says little.
        Assert.True(parsedMessages > 1_000, $"only {parsedMessages} generated frames were valid messages");
    }

    [Theory]
    [InlineData(4)]
    [InlineData(5)]
    public void Arbitrary_json_values_and_flipped_bytes_never_throw(int seed)
    {
        var random = new Random(seed);
        for (var i = 0; i < 10_000; i++)
        {
            var frame = Encoding.UTF8.GetBytes(i % 2 == 0
                ? RandomJson.Value(random, depth: 0)?.ToJsonString() ?? "null"
                : RandomJson.Frame(random, EventNames, () => RandomData(random)).ToJsonString());
            if (i % 2 == 1 && frame.Length > 0)
            {
                frame[random.Next(frame.Length)] = (byte)random.Next(256);
            }

            var result = TranscriptEventParser.Parse("t1", frame);

            Assert.True(result.Message is not null ^ result.DropReason is not null);
        }
    }

    private static void AssertComplete(TranscriptEventMessage message)
    {
        // Writing fails on a non-finite number or a JsonElement whose buffer is gone.
        var json = JsonSerializer.SerializeToElement(message, WireOptions);
        Assert.False(string.IsNullOrWhiteSpace(json.GetProperty("type").GetString()));
        Assert.Equal("t1", json.GetProperty("transcriptId").GetString());
        switch (message)
        {
            case TranscriptEventMessage.TopicUpdated topic:
                Assert.False(string.IsNullOrWhiteSpace(topic.Id));
                Assert.All(topic.Segments, segment => Assert.NotNull(segment.Text));
                Assert.True(topic.Duration is null or >= 0);
                break;
            case TranscriptEventMessage.StatusChanged changed:
                Assert.True(Enum.IsDefined(changed.Status));
                break;
            case TranscriptEventMessage.ActionItemsChanged items:
                Assert.Equal(JsonValueKind.Object, items.ActionItems.ValueKind);
                break;
            case TranscriptEventMessage.DurationChanged timed:
                Assert.True(timed.Duration >= 0);
                break;
        }
    }

    private static JsonObject RandomData(Random random)
    {
        var data = new JsonObject();
        Text(random, data, "text");
        RandomJson.Maybe(random, data, "translation", () => random.Next(3) switch { 0 => null, 1 => RandomJson.String(random), _ => RandomJson.Scalar(random) });
        RandomJson.Maybe(random, data, "id", () => random.Next(6) > 0 ? "tp-" + random.Next(1000) : RandomJson.Scalar(random));
        Text(random, data, "title");
        Text(random, data, "summary");
        Text(random, data, "transcript");
        Number(random, data, "timestamp");
        Number(random, data, "duration");
        RandomJson.Maybe(random, data, "segments", () => random.Next(6) > 0
            ? new JsonArray(Enumerable.Range(0, random.Next(5)).Select(_ => (JsonNode?)RandomSegment(random)).ToArray())
            : RandomJson.Value(random, 2));
        RandomJson.Maybe(random, data, "value", () => random.Next(6) > 0
            ? UserEventParserFuzzTests.StatusValues[random.Next(UserEventParserFuzzTests.StatusValues.Length)]
            : RandomJson.Scalar(random));
        Text(random, data, "long_summary");
        Text(random, data, "short_summary");
        RandomJson.Maybe(random, data, "action_items", () => random.Next(4) > 0
            ? new JsonObject { ["items"] = RandomJson.Value(random, 1), ["x"] = RandomJson.Scalar(random) }
            : RandomJson.Value(random, 2));
        RandomJson.Maybe(random, data, "waveform", () => random.Next(6) > 0
            ? new JsonArray(Enumerable.Range(0, random.Next(300)).Select(_ => (JsonNode?)JsonValue.Create(random.NextDouble())).ToArray())
            : RandomJson.Value(random, 2));
        return data;
    }

    private static JsonObject RandomSegment(Random random)
    {
        var segment = new JsonObject();
        Text(random, segment, "text");
        Number(random, segment, "start");
        RandomJson.Maybe(random, segment, "speaker", () => random.Next(6) > 0 ? random.Next(4) : RandomJson.Scalar(random));
        return segment;
    }

    private static void Text(Random random, JsonObject target, string name) =>
        RandomJson.Maybe(random, target, name, () => random.Next(6) > 0 ? RandomJson.String(random) : RandomJson.Scalar(random));

    private static void Number(Random random, JsonObject target, string name) =>
        RandomJson.Maybe(random, target, name, () => random.Next(6) > 0 ? JsonValue.Create(random.NextDouble() * 10_000 - 100) : RandomJson.Scalar(random));
}
