using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Reflector.Relay.Events;

namespace Reflector.Relay.Tests.Events;

/// <summary>
/// Generated input for the frame parser: random JSON shaped like Reflector's frames, with every field
/// sometimes missing, mistyped, empty or odd. Whatever comes in, the parser returns (never throws), and an
/// event it returns has every field its message needs.
/// </summary>
public sealed class UpstreamEventParserFuzzTests
{
    private static readonly string[] EventNames =
    [
        "TRANSCRIPT_CREATED", "TRANSCRIPT_DELETED", "TRANSCRIPT_RESTORED", "TRANSCRIPT_STATUS",
        "TRANSCRIPT_FINAL_TITLE", "TRANSCRIPT_DURATION", "TRANSCRIPT_TOPIC", "", "transcript_created",
    ];

    // As SignalR's JSON protocol writes messages: camelCase.
    private static readonly JsonSerializerOptions WireOptions = new(JsonSerializerDefaults.Web);

    private static readonly string[] StatusValues = ["idle", "uploaded", "recording", "processing", "error", "ended", "", "PROCESSING", "exploded"];

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    public void Arbitrary_frame_shaped_json_never_throws_and_never_yields_an_incomplete_event(int seed)
    {
        var random = new Random(seed);
        var parsedEvents = 0;
        for (var i = 0; i < 20_000; i++)
        {
            var frame = Encoding.UTF8.GetBytes(RandomFrame(random).ToJsonString());

            var result = UpstreamEventParser.Parse(frame);

            Assert.True(result.Message is not null ^ result.DropReason is not null);
            if (result.Message is { } parsed)
            {
                parsedEvents++;
                AssertComplete(parsed.ToInvalidateMessage());
            }
        }

        // The generator must reach the happy path often, or the property says little.
        Assert.True(parsedEvents > 1_000, $"only {parsedEvents} generated frames were valid events");
    }

    [Theory]
    [InlineData(4)]
    [InlineData(5)]
    public void Arbitrary_json_values_of_any_shape_never_throw(int seed)
    {
        var random = new Random(seed);
        for (var i = 0; i < 20_000; i++)
        {
            var json = RandomValue(random, depth: 0)?.ToJsonString() ?? "null";

            var result = UpstreamEventParser.Parse(Encoding.UTF8.GetBytes(json));

            Assert.True(result.Message is not null ^ result.DropReason is not null);
        }
    }

    private static void AssertComplete(InvalidateMessage message)
    {
        var json = JsonSerializer.SerializeToElement(message, WireOptions);
        Assert.False(string.IsNullOrWhiteSpace(json.GetProperty("type").GetString()));
        Assert.False(string.IsNullOrWhiteSpace(json.GetProperty("transcriptId").GetString()));
        switch (message)
        {
            case InvalidateMessage.TranscriptStatusChanged changed:
                Assert.True(Enum.IsDefined(changed.Status));
                break;
            case InvalidateMessage.TranscriptTitleChanged titled:
                Assert.False(string.IsNullOrWhiteSpace(titled.Title));
                break;
            case InvalidateMessage.TranscriptDurationChanged timed:
                Assert.True(double.IsFinite(timed.Duration) && timed.Duration >= 0);
                break;
        }
    }

    private static JsonObject RandomFrame(Random random)
    {
        var frame = new JsonObject();
        if (random.Next(10) > 0)
        {
            frame["event"] = random.Next(8) > 0 ? EventNames[random.Next(EventNames.Length)] : RandomValue(random, 2);
        }

        if (random.Next(10) > 0)
        {
            frame["data"] = random.Next(8) > 0 ? RandomData(random) : RandomValue(random, 2);
        }

        if (random.Next(4) == 0)
        {
            frame["extra" + random.Next(3)] = RandomValue(random, 1);
        }

        return frame;
    }

    private static JsonObject RandomData(Random random)
    {
        var data = new JsonObject();
        Maybe(random, data, "id", () => random.Next(6) > 0 ? "t-" + random.Next(1000) : RandomScalar(random));
        Maybe(random, data, "value", () => random.Next(6) > 0 ? StatusValues[random.Next(StatusValues.Length)] : RandomScalar(random));
        Maybe(random, data, "title", () => random.Next(6) > 0 ? RandomString(random) : RandomScalar(random));
        Maybe(random, data, "duration", () => random.Next(6) > 0 ? JsonValue.Create(random.NextDouble() * 10_000 - 100) : RandomScalar(random));
        return data;
    }

    private static void Maybe(Random random, JsonObject target, string name, Func<JsonNode?> value)
    {
        if (random.Next(8) > 0)
        {
            target[name] = value();
        }
    }

    private static JsonNode? RandomValue(Random random, int depth) => random.Next(depth > 3 ? 4 : 6) switch
    {
        4 => new JsonArray(Enumerable.Range(0, random.Next(4)).Select(_ => RandomValue(random, depth + 1)).ToArray()),
        5 => new JsonObject(Enumerable.Range(0, random.Next(4))
            .Select(i => KeyValuePair.Create(i % 2 == 0 ? "id" : "event" + i, RandomValue(random, depth + 1)))
            .DistinctBy(pair => pair.Key)),
        _ => RandomScalar(random),
    };

    private static JsonValue? RandomScalar(Random random) => random.Next(6) switch
    {
        0 => null,
        1 => JsonValue.Create(random.Next(2) == 0),
        2 => JsonValue.Create(random.Next(-5, 5)),
        3 => JsonValue.Create(random.NextDouble() * 1e6),
        4 => JsonValue.Create(""),
        _ => JsonValue.Create(RandomString(random)),
    };

    private static string RandomString(Random random)
    {
        var chars = new char[random.Next(0, 12)];
        for (var i = 0; i < chars.Length; i++)
        {
            chars[i] = random.Next(5) == 0 ? (char)random.Next(0x20, 0x2FF) : (char)random.Next('a', 'z' + 1);
        }

        return new string(chars);
    }
}
