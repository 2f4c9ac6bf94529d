using System.Text;
using System.Text.Json;
using Reflector.Relay.Events;

namespace Reflector.Relay.Tests.Events;

public sealed class TranscriptEventParserTests
{
    private const string TranscriptId = "t1";

    private static ParsedFrame<TranscriptEventMessage> Parse(string frame) =>
        TranscriptEventParser.Parse(TranscriptId, Encoding.UTF8.GetBytes(frame));

    [Fact]
    public void Live_text_carries_its_translation_or_null()
    {
        Assert.Equal(
            new TranscriptEventMessage.LiveText(TranscriptId, "Hello", "Bonjour"),
            Parse("""{"event":"TRANSCRIPT","data":{"text":"Hello","translation":"Bonjour"}}""").Message);
        Assert.Equal(
            new TranscriptEventMessage.LiveText(TranscriptId, "Hello", null),
            Parse("""{"event":"TRANSCRIPT","data":{"text":"Hello","translation":null}}""").Message);
        Assert.Equal(
            new TranscriptEventMessage.LiveText(TranscriptId, "", null),
            Parse("""{"event":"TRANSCRIPT","data":{"text":""}}""").Message);
    }

    [Fact]
    public void A_topic_keeps_every_field_and_its_segments_in_order()
    {
        var result = Parse("""
            {"event":"TOPIC","data":{"id":"tp1","title":"Budget","summary":"We talked money.","timestamp":12.5,
             "duration":30,"transcript":"Money. More money.","words":[{"text":"x"}],
             "segments":[{"text":"Money.","start":12.5,"speaker":0},{"start":14,"speaker":1,"text":"More money."}]}}
            """);

        Assert.Null(result.DropReason);
        Assert.Equal("TOPIC", result.EventName);
        var topic = Assert.IsType<TranscriptEventMessage.TopicUpdated>(result.Message);
        Assert.Equal(
            (TranscriptId, "tp1", "Budget", "We talked money.", 12.5, (double?)30, "Money. More money."),
            (topic.TranscriptId, topic.Id, topic.Title, topic.Summary, topic.Timestamp, topic.Duration, topic.Transcript));
        Assert.Equal([new TopicSegment("Money.", 12.5, 0), new TopicSegment("More money.", 14, 1)], topic.Segments);
    }

    [Theory]
    [InlineData("\"duration\":null,\"segments\":null")]
    [InlineData("\"segments\":[]")]
    [InlineData("")]
    public void A_topic_without_duration_or_segments_is_kept_with_none(string optionalFields)
    {
        var separator = optionalFields.Length > 0 ? "," : "";
        var result = Parse("{\"event\":\"TOPIC\",\"data\":{\"id\":\"tp1\",\"title\":\"\",\"summary\":\"\",\"timestamp\":0,\"transcript\":\"\"" + separator + optionalFields + "}}");

        var topic = Assert.IsType<TranscriptEventMessage.TopicUpdated>(result.Message);
        Assert.Null(topic.Duration);
        Assert.Empty(topic.Segments);
    }

    [Fact]
    public void A_large_topic_with_many_segments_is_read_whole()
    {
        var segments = string.Join(",", Enumerable.Range(0, 5_000).Select(i => $$$"""{"text":"segment {{{i}}}","start":{{{i}}}.5,"speaker":{{{i % 7}}} }"""));
        var frame = $$$"""{"event":"TOPIC","data":{"id":"tp","title":"Long","summary":"s","timestamp":1,"duration":5000,"transcript":"{{{new string('w', 200_000)}}}","segments":[{{{segments}}}]}}""";

        var topic = Assert.IsType<TranscriptEventMessage.TopicUpdated>(Parse(frame).Message);

        Assert.Equal(5_000, topic.Segments.Count);
        Assert.Equal(new TopicSegment("segment 4999", 4999.5, 4999 % 7), topic.Segments[^1]);
        Assert.Equal(200_000, topic.Transcript.Length);
    }

    [Theory]
    [InlineData("idle", TranscriptStatus.Idle)]
    [InlineData("recording", TranscriptStatus.Recording)]
    [InlineData("ended", TranscriptStatus.Ended)]
    public void Status_values_map_to_the_contract_status(string value, TranscriptStatus expected)
    {
        Assert.Equal(
            new TranscriptEventMessage.StatusChanged(TranscriptId, expected),
            Parse($$$"""{"event":"STATUS","data":{"value":"{{{value}}}"}}""").Message);
    }

    [Fact]
    public void Final_title_and_summaries_become_their_messages()
    {
        Assert.Equal(
            new TranscriptEventMessage.FinalTitle(TranscriptId, "Weekly sync"),
            Parse("""{"event":"FINAL_TITLE","data":{"title":"Weekly sync"}}""").Message);
        Assert.Equal(
            new TranscriptEventMessage.FinalLongSummary(TranscriptId, "Long \"quoted\"\nsummary"),
            Parse("""{"event":"FINAL_LONG_SUMMARY","data":{"long_summary":"Long \"quoted\"\nsummary"}}""").Message);
        Assert.Equal(
            new TranscriptEventMessage.FinalShortSummary(TranscriptId, "Short"),
            Parse("""{"event":"FINAL_SHORT_SUMMARY","data":{"short_summary":"Short"}}""").Message);
    }

    [Fact]
    public void Duration_and_waveform_carry_their_numbers()
    {
        Assert.Equal(
            new TranscriptEventMessage.DurationChanged(TranscriptId, 61.25),
            Parse("""{"event":"DURATION","data":{"duration":61.25}}""").Message);

        var waveform = Assert.IsType<TranscriptEventMessage.WaveformChanged>(
            Parse("""{"event":"WAVEFORM","data":{"waveform":[0,0.25,1,3e-2]}}""").Message);
        Assert.Equal([0, 0.25, 1, 0.03], waveform.Waveform);
    }

    [Fact]
    public void Action_items_are_passed_through_unchanged_and_outlive_the_frame_buffer()
    {
        const string actionItems = """{"decisions":[{"text":"Ship it","assignee":null}],"next_steps":[],"nested":{"n":1.5,"ok":true,"s":"\u00e9"}}""";
        var frame = Encoding.UTF8.GetBytes("""{"event":"ACTION_ITEMS","data":{"action_items":""" + actionItems + "}}");

        var result = TranscriptEventParser.Parse(TranscriptId, frame);
        // The socket reuses its receive buffer for the next frame.
        Array.Fill(frame, (byte)'x');

        var message = Assert.IsType<TranscriptEventMessage.ActionItemsChanged>(result.Message);
        Assert.Equal(JsonValueKind.Object, message.ActionItems.ValueKind);
        Assert.Equal(actionItems, message.ActionItems.GetRawText());
        Assert.True(JsonElement.DeepEquals(JsonDocument.Parse(actionItems).RootElement, message.ActionItems));
    }

    [Theory]
    [InlineData("", nameof(DropReason.EmptyFrame), null)]
    [InlineData("not json", nameof(DropReason.NotJson), null)]
    [InlineData("{\"event\":\"FINAL_TITLE\",\"data\":{\"title\":\"x\"}", nameof(DropReason.NotJson), null)]
    [InlineData("{\"event\":\"FINAL_TITLE\",\"data\":{\"title\":\"x\"}} trailing", nameof(DropReason.NotJson), null)]
    [InlineData("{\"event\":\"FINAL_TITLE\",\"data\":{\"title\":\"x\"}}{}", nameof(DropReason.NotJson), null)]
    [InlineData("[1]", nameof(DropReason.NotAnObject), null)]
    [InlineData("{\"data\":{\"title\":\"x\"}}", nameof(DropReason.MissingEventName), null)]
    [InlineData("{\"event\":\"\",\"data\":{}}", nameof(DropReason.MissingEventName), null)]
    [InlineData("{\"event\":1,\"data\":{}}", nameof(DropReason.WrongFieldType), "event")]
    [InlineData("{\"event\":\"FINAL_TITLE\"}", nameof(DropReason.MissingData), "data")]
    [InlineData("{\"event\":\"FINAL_TITLE\",\"data\":[]}", nameof(DropReason.WrongFieldType), "data")]
    [InlineData("{\"event\":\"TRANSCRIPT\",\"data\":{}}", nameof(DropReason.MissingField), "text")]
    [InlineData("{\"event\":\"TRANSCRIPT\",\"data\":{\"text\":null}}", nameof(DropReason.WrongFieldType), "text")]
    [InlineData("{\"event\":\"TRANSCRIPT\",\"data\":{\"text\":\"a\",\"translation\":5}}", nameof(DropReason.WrongFieldType), "translation")]
    [InlineData("{\"event\":\"TOPIC\",\"data\":{\"title\":\"\",\"summary\":\"\",\"timestamp\":0,\"transcript\":\"\"}}", nameof(DropReason.MissingField), "id")]
    [InlineData("{\"event\":\"TOPIC\",\"data\":{\"id\":\" \",\"title\":\"\",\"summary\":\"\",\"timestamp\":0,\"transcript\":\"\"}}", nameof(DropReason.InvalidFieldValue), "id")]
    [InlineData("{\"event\":\"TOPIC\",\"data\":{\"id\":\"a\",\"summary\":\"\",\"timestamp\":0,\"transcript\":\"\"}}", nameof(DropReason.MissingField), "title")]
    [InlineData("{\"event\":\"TOPIC\",\"data\":{\"id\":\"a\",\"title\":null,\"summary\":\"\",\"timestamp\":0,\"transcript\":\"\"}}", nameof(DropReason.WrongFieldType), "title")]
    [InlineData("{\"event\":\"TOPIC\",\"data\":{\"id\":\"a\",\"title\":\"\",\"summary\":3,\"timestamp\":0,\"transcript\":\"\"}}", nameof(DropReason.WrongFieldType), "summary")]
    [InlineData("{\"event\":\"TOPIC\",\"data\":{\"id\":\"a\",\"title\":\"\",\"summary\":\"\",\"timestamp\":0}}", nameof(DropReason.MissingField), "transcript")]
    [InlineData("{\"event\":\"TOPIC\",\"data\":{\"id\":\"a\",\"title\":\"\",\"summary\":\"\",\"transcript\":\"\"}}", nameof(DropReason.MissingField), "timestamp")]
    [InlineData("{\"event\":\"TOPIC\",\"data\":{\"id\":\"a\",\"title\":\"\",\"summary\":\"\",\"timestamp\":\"0\",\"transcript\":\"\"}}", nameof(DropReason.WrongFieldType), "timestamp")]
    [InlineData("{\"event\":\"TOPIC\",\"data\":{\"id\":\"a\",\"title\":\"\",\"summary\":\"\",\"timestamp\":1e999,\"transcript\":\"\"}}", nameof(DropReason.InvalidFieldValue), "timestamp")]
    [InlineData("{\"event\":\"TOPIC\",\"data\":{\"id\":\"a\",\"title\":\"\",\"summary\":\"\",\"timestamp\":0,\"duration\":\"9\",\"transcript\":\"\"}}", nameof(DropReason.WrongFieldType), "duration")]
    [InlineData("{\"event\":\"TOPIC\",\"data\":{\"id\":\"a\",\"title\":\"\",\"summary\":\"\",\"timestamp\":0,\"duration\":-1,\"transcript\":\"\"}}", nameof(DropReason.InvalidFieldValue), "duration")]
    [InlineData("{\"event\":\"TOPIC\",\"data\":{\"id\":\"a\",\"title\":\"\",\"summary\":\"\",\"timestamp\":0,\"transcript\":\"\",\"segments\":{}}}", nameof(DropReason.WrongFieldType), "segments")]
    [InlineData("{\"event\":\"TOPIC\",\"data\":{\"id\":\"a\",\"title\":\"\",\"summary\":\"\",\"timestamp\":0,\"transcript\":\"\",\"segments\":[1]}}", nameof(DropReason.WrongFieldType), "segments")]
    [InlineData("{\"event\":\"TOPIC\",\"data\":{\"id\":\"a\",\"title\":\"\",\"summary\":\"\",\"timestamp\":0,\"transcript\":\"\",\"segments\":[{\"start\":0,\"speaker\":0}]}}", nameof(DropReason.MissingField), "segments.text")]
    [InlineData("{\"event\":\"TOPIC\",\"data\":{\"id\":\"a\",\"title\":\"\",\"summary\":\"\",\"timestamp\":0,\"transcript\":\"\",\"segments\":[{\"text\":\"\",\"start\":null,\"speaker\":0}]}}", nameof(DropReason.WrongFieldType), "segments.start")]
    [InlineData("{\"event\":\"TOPIC\",\"data\":{\"id\":\"a\",\"title\":\"\",\"summary\":\"\",\"timestamp\":0,\"transcript\":\"\",\"segments\":[{\"text\":\"\",\"start\":0,\"speaker\":1.5}]}}", nameof(DropReason.WrongFieldType), "segments.speaker")]
    [InlineData("{\"event\":\"TOPIC\",\"data\":{\"id\":\"a\",\"title\":\"\",\"summary\":\"\",\"timestamp\":0,\"transcript\":\"\",\"segments\":[{\"text\":\"\",\"start\":0}]}}", nameof(DropReason.MissingField), "segments.speaker")]
    [InlineData("{\"event\":\"STATUS\",\"data\":{}}", nameof(DropReason.MissingField), "value")]
    [InlineData("{\"event\":\"STATUS\",\"data\":{\"value\":2}}", nameof(DropReason.WrongFieldType), "value")]
    [InlineData("{\"event\":\"STATUS\",\"data\":{\"value\":\"exploded\"}}", nameof(DropReason.InvalidFieldValue), "value")]
    [InlineData("{\"event\":\"FINAL_TITLE\",\"data\":{}}", nameof(DropReason.MissingField), "title")]
    [InlineData("{\"event\":\"FINAL_LONG_SUMMARY\",\"data\":{\"long_summary\":[]}}", nameof(DropReason.WrongFieldType), "long_summary")]
    [InlineData("{\"event\":\"FINAL_SHORT_SUMMARY\",\"data\":{\"summary\":\"x\"}}", nameof(DropReason.MissingField), "short_summary")]
    [InlineData("{\"event\":\"ACTION_ITEMS\",\"data\":{}}", nameof(DropReason.MissingField), "action_items")]
    [InlineData("{\"event\":\"ACTION_ITEMS\",\"data\":{\"action_items\":[]}}", nameof(DropReason.WrongFieldType), "action_items")]
    [InlineData("{\"event\":\"ACTION_ITEMS\",\"data\":{\"action_items\":null}}", nameof(DropReason.WrongFieldType), "action_items")]
    [InlineData("{\"event\":\"DURATION\",\"data\":{}}", nameof(DropReason.MissingField), "duration")]
    [InlineData("{\"event\":\"DURATION\",\"data\":{\"duration\":null}}", nameof(DropReason.WrongFieldType), "duration")]
    [InlineData("{\"event\":\"DURATION\",\"data\":{\"duration\":-0.5}}", nameof(DropReason.InvalidFieldValue), "duration")]
    [InlineData("{\"event\":\"WAVEFORM\",\"data\":{}}", nameof(DropReason.MissingField), "waveform")]
    [InlineData("{\"event\":\"WAVEFORM\",\"data\":{\"waveform\":\"0,1\"}}", nameof(DropReason.WrongFieldType), "waveform")]
    [InlineData("{\"event\":\"WAVEFORM\",\"data\":{\"waveform\":[0,\"1\"]}}", nameof(DropReason.WrongFieldType), "waveform")]
    [InlineData("{\"event\":\"WAVEFORM\",\"data\":{\"waveform\":[0,1e999]}}", nameof(DropReason.InvalidFieldValue), "waveform")]
    public void Malformed_frames_are_dropped_with_the_reason_and_field(string frame, string reason, string? field)
    {
        var result = Parse(frame);

        Assert.Null(result.Message);
        Assert.Equal(Enum.Parse<DropReason>(reason), result.DropReason);
        Assert.Equal(field, result.Field);
    }

    [Fact]
    public void Invalid_utf8_is_dropped_as_not_json()
    {
        byte[] frame = [.. "{\"event\":\"FINAL_TITLE\",\"data\":{\"title\":\""u8, 0xC3, 0x28, .. "\"}}"u8];

        var result = TranscriptEventParser.Parse(TranscriptId, frame);

        Assert.Null(result.Message);
        Assert.Equal(DropReason.NotJson, result.DropReason);
    }

    [Fact]
    public void Unknown_event_names_are_cut_short()
    {
        var result = Parse($"{{\"event\":\"{new string('X', 500)}\",\"data\":{{}}}}");

        var unknown = Assert.IsType<TranscriptEventMessage.Unknown>(result.Message);
        Assert.Equal(64, unknown.Event.Length);
    }

    [Fact]
    public void Deeply_nested_action_items_are_dropped_rather_than_recursed_into()
    {
        var nested = new string('[', 10_000) + new string(']', 10_000);

        var result = Parse($"{{\"event\":\"ACTION_ITEMS\",\"data\":{{\"action_items\":{{\"x\":{nested}}}}}}}");

        Assert.Equal(DropReason.NotJson, result.DropReason);
    }
}
