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
public sealed class UserEventParserFuzzTests
{
    private static readonly string[] EventNames =
    [
        "TRANSCRIPT_CREATED", "TRANSCRIPT_DELETED", "TRANSCRIPT_RESTORED", "TRANSCRIPT_STATUS",
        "TRANSCRIPT_FINAL_TITLE", "TRANSCRIPT_DURATION", "TRANSCRIPT_TOPIC", "", "transcript_created",
    ];

    // As SignalR's JSON protocol writes messages: camelCase.
    private static readonly JsonSerializerOptions WireOptions = new(JsonSerializerDefaults.Web);

    internal static readonly string[] StatusValues = ["idle", "uploaded", "recording", "processing", "error", "ended", "", "PROCESSING", "exploded"];

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

            var result = UserEventParser.Parse(frame);

            Assert.True(result.Message is not null ^ result.DropReason is not null);
            if (result.Message is { } parsed)
            {
                parsedEvents++;
                AssertComplete(parsed);
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
            var json = RandomJson.Value(random, depth: 0)?.ToJsonString() ?? "null";

            var result = UserEventParser.Parse(Encoding.UTF8.GetBytes(json));

            Assert.True(result.Message is not null ^ result.DropReason is not null);
        }
    }

    /// <summary>A message the parser returns names its transcript and has every field its case needs, as written to the wire.</summary>
    internal static void AssertComplete(InvalidateMessage message)
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

    private static JsonObject RandomFrame(Random random) => RandomJson.Frame(random, EventNames, () => RandomData(random));

    private static JsonObject RandomData(Random random)
    {
        var data = new JsonObject();
        RandomJson.Maybe(random, data, "id", () => random.Next(6) > 0 ? "t-" + random.Next(1000) : RandomJson.Scalar(random));
        RandomJson.Maybe(random, data, "value", () => random.Next(6) > 0 ? StatusValues[random.Next(StatusValues.Length)] : RandomJson.Scalar(random));
        RandomJson.Maybe(random, data, "title", () => random.Next(6) > 0 ? RandomJson.String(random) : RandomJson.Scalar(random));
        RandomJson.Maybe(random, data, "duration", () => random.Next(6) > 0 ? JsonValue.Create(random.NextDouble() * 10_000 - 100) : RandomJson.Scalar(random));
        return data;
    }
}
