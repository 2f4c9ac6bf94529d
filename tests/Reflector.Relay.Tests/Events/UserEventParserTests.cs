using System.Text;
using Reflector.Relay.Events;

namespace Reflector.Relay.Tests.Events;

public sealed class UserEventParserTests
{
    public static TheoryData<string, InvalidateMessage> WellFormedFrames => new()
    {
        { """{"event":"TRANSCRIPT_CREATED","data":{"id":"t1"}}""", new InvalidateMessage.TranscriptCreated("t1") },
        { """{"event":"TRANSCRIPT_DELETED","data":{"id":"t1"}}""", new InvalidateMessage.TranscriptDeleted("t1") },
        { """{"event":"TRANSCRIPT_RESTORED","data":{"id":"t1"}}""", new InvalidateMessage.TranscriptRestored("t1") },
        { """{"event":"TRANSCRIPT_STATUS","data":{"id":"t1","value":"ended"}}""", new InvalidateMessage.TranscriptStatusChanged("t1", TranscriptStatus.Ended) },
        { """{"event":"TRANSCRIPT_FINAL_TITLE","data":{"id":"t1","title":"Standup"}}""", new InvalidateMessage.TranscriptTitleChanged("t1", "Standup") },
        { """{"event":"TRANSCRIPT_DURATION","data":{"id":"t1","duration":61.25}}""", new InvalidateMessage.TranscriptDurationChanged("t1", 61.25) },
        { """{"event":"TRANSCRIPT_DURATION","data":{"id":"t1","duration":0}}""", new InvalidateMessage.TranscriptDurationChanged("t1", 0) },
        // Order of keys, extra keys and whitespace do not matter.
        { """ { "data" : { "extra": [1, {"x": null}], "id" : "t2" }, "event" : "TRANSCRIPT_CREATED", "v": 2 } """, new InvalidateMessage.TranscriptCreated("t2") },
        // Escapes are decoded.
        { """{"event":"TRANSCRIPT_FINAL_TITLE","data":{"id":"t\u00e9","title":"A \"quoted\" title"}}""", new InvalidateMessage.TranscriptTitleChanged("té", "A \"quoted\" title") },
    };

    [Theory]
    [MemberData(nameof(WellFormedFrames))]
    public void Well_formed_frames_become_their_invalidate_messages(string frame, InvalidateMessage expected)
    {
        var result = UserEventParser.Parse(Encoding.UTF8.GetBytes(frame));

        Assert.Null(result.DropReason);
        Assert.Equal(expected, result.Message);
    }

    [Theory]
    [InlineData("", nameof(DropReason.EmptyFrame), null)]
    [InlineData("not json", nameof(DropReason.NotJson), null)]
    [InlineData("{\"event\":\"TRANSCRIPT_CREATED\",\"data\":{\"id\":\"t1\"}", nameof(DropReason.NotJson), null)]
    [InlineData("{\"event\":\"TRANSCRIPT_CREATED\",\"data\":{\"id\":\"t1\"}} trailing", nameof(DropReason.NotJson), null)]
    [InlineData("{\"event\":\"TRANSCRIPT_CREATED\",\"data\":{\"id\":\"t1\"}}{}", nameof(DropReason.NotJson), null)]
    [InlineData("[1,2,3]", nameof(DropReason.NotAnObject), null)]
    [InlineData("\"TRANSCRIPT_CREATED\"", nameof(DropReason.NotAnObject), null)]
    [InlineData("{\"data\":{\"id\":\"t1\"}}", nameof(DropReason.MissingEventName), null)]
    [InlineData("{\"event\":\"\",\"data\":{\"id\":\"t1\"}}", nameof(DropReason.MissingEventName), null)]
    [InlineData("{\"event\":42,\"data\":{\"id\":\"t1\"}}", nameof(DropReason.WrongFieldType), "event")]
    [InlineData("{\"event\":\"TRANSCRIPT_TOPIC\",\"data\":{\"topic\":\"t1\"}}", nameof(DropReason.UnknownEvent), null)]
    [InlineData("{\"event\":\"TRANSCRIPT_CREATED\"}", nameof(DropReason.MissingData), "data")]
    [InlineData("{\"event\":\"TRANSCRIPT_CREATED\",\"data\":\"t1\"}", nameof(DropReason.WrongFieldType), "data")]
    [InlineData("{\"event\":\"TRANSCRIPT_CREATED\",\"data\":{}}", nameof(DropReason.MissingField), "id")]
    [InlineData("{\"event\":\"TRANSCRIPT_CREATED\",\"data\":{\"id\":7}}", nameof(DropReason.WrongFieldType), "id")]
    [InlineData("{\"event\":\"TRANSCRIPT_CREATED\",\"data\":{\"id\":null}}", nameof(DropReason.WrongFieldType), "id")]
    [InlineData("{\"event\":\"TRANSCRIPT_CREATED\",\"data\":{\"id\":\"\"}}", nameof(DropReason.InvalidFieldValue), "id")]
    [InlineData("{\"event\":\"TRANSCRIPT_CREATED\",\"data\":{\"id\":\"   \"}}", nameof(DropReason.InvalidFieldValue), "id")]
    [InlineData("{\"event\":\"TRANSCRIPT_STATUS\",\"data\":{\"id\":\"t1\"}}", nameof(DropReason.MissingField), "value")]
    [InlineData("{\"event\":\"TRANSCRIPT_STATUS\",\"data\":{\"id\":\"t1\",\"value\":3}}", nameof(DropReason.WrongFieldType), "value")]
    [InlineData("{\"event\":\"TRANSCRIPT_STATUS\",\"data\":{\"id\":\"t1\",\"value\":\"exploded\"}}", nameof(DropReason.InvalidFieldValue), "value")]
    [InlineData("{\"event\":\"TRANSCRIPT_FINAL_TITLE\",\"data\":{\"id\":\"t1\"}}", nameof(DropReason.MissingField), "title")]
    [InlineData("{\"event\":\"TRANSCRIPT_FINAL_TITLE\",\"data\":{\"id\":\"t1\",\"title\":[\"a\"]}}", nameof(DropReason.WrongFieldType), "title")]
    [InlineData("{\"event\":\"TRANSCRIPT_FINAL_TITLE\",\"data\":{\"id\":\"t1\",\"title\":\"\"}}", nameof(DropReason.InvalidFieldValue), "title")]
    [InlineData("{\"event\":\"TRANSCRIPT_DURATION\",\"data\":{\"id\":\"t1\"}}", nameof(DropReason.MissingField), "duration")]
    [InlineData("{\"event\":\"TRANSCRIPT_DURATION\",\"data\":{\"id\":\"t1\",\"duration\":\"61\"}}", nameof(DropReason.WrongFieldType), "duration")]
    [InlineData("{\"event\":\"TRANSCRIPT_DURATION\",\"data\":{\"id\":\"t1\",\"duration\":-1}}", nameof(DropReason.InvalidFieldValue), "duration")]
    [InlineData("{\"event\":\"TRANSCRIPT_DURATION\",\"data\":{\"id\":\"t1\",\"duration\":1e999}}", nameof(DropReason.InvalidFieldValue), "duration")]
    public void Malformed_frames_are_dropped_with_the_reason_and_field(string frame, string reason, string? field)
    {
        var result = UserEventParser.Parse(Encoding.UTF8.GetBytes(frame));

        Assert.Null(result.Message);
        Assert.Equal(Enum.Parse<DropReason>(reason), result.DropReason);
        Assert.Equal(field, result.Field);
    }

    [Fact]
    public void Invalid_utf8_is_dropped_as_not_json()
    {
        byte[] frame = [.. "{\"event\":\"TRANSCRIPT_CREATED\",\"data\":{\"id\":\""u8, 0xC3, 0x28, .. "\"}}"u8];

        var result = UserEventParser.Parse(frame);

        Assert.Null(result.Message);
        Assert.Equal(DropReason.NotJson, result.DropReason);
    }

    [Fact]
    public void Unknown_event_names_are_reported_for_the_log_but_cut_short()
    {
        var longName = new string('X', 500);

        var result = UserEventParser.Parse(Encoding.UTF8.GetBytes($"{{\"event\":\"{longName}\",\"data\":{{}}}}"));

        Assert.Equal(DropReason.UnknownEvent, result.DropReason);
        Assert.Equal(64, result.EventName!.Length);
    }

    [Fact]
    public void Deeply_nested_input_is_dropped_rather_than_recursed_into()
    {
        var nested = new string('[', 10_000) + new string(']', 10_000);

        var result = UserEventParser.Parse(Encoding.UTF8.GetBytes($"{{\"event\":\"TRANSCRIPT_CREATED\",\"data\":{{\"id\":\"t\",\"x\":{nested}}}}}"));

        Assert.Equal(DropReason.NotJson, result.DropReason);
    }

    [Fact]
    public void Random_bytes_never_throw_and_never_yield_a_message_with_an_empty_transcript_id()
    {
        var random = new Random(20261125);
        var templates = new[]
        {
            """{"event":"TRANSCRIPT_STATUS","data":{"id":"t1","value":"processing"}}""",
            """{"event":"TRANSCRIPT_DURATION","data":{"id":"t1","duration":12.5}}""",
            """{"event":"TRANSCRIPT_FINAL_TITLE","data":{"id":"t1","title":"x"}}""",
        };

        for (var i = 0; i < 20_000; i++)
        {
            // Half pure noise, half a real frame with a few bytes flipped.
            byte[] frame;
            if (i % 2 == 0)
            {
                frame = new byte[random.Next(0, 200)];
                random.NextBytes(frame);
            }
            else
            {
                frame = Encoding.UTF8.GetBytes(templates[random.Next(templates.Length)]);
                for (var flips = random.Next(1, 4); flips > 0; flips--)
                {
                    frame[random.Next(frame.Length)] = (byte)random.Next(256);
                }
            }

            var result = UserEventParser.Parse(frame);

            Assert.True(result.Message is not null ^ result.DropReason is not null);
            if (result.Message is { } parsed)
            {
                UserEventParserFuzzTests.AssertComplete(parsed);
            }
        }
    }
}
