using System.Text;
using System.Text.Json;
using Reflector.Relay.Events;

namespace Reflector.Relay.Tests.Events;

public sealed class TranscriptEventDataTests
{
    [Fact]
    public void Every_field_some_event_needs_is_read_and_the_rest_skipped()
    {
        var data = Read("""
            {"text":"Hi","translation":null,"id":"tp","title":"T","summary":"S","transcript":"Tr","timestamp":1.5,
             "duration":2,"value":"ended","long_summary":"L","short_summary":"Sh","action_items":{"a":[]},
             "segments":[{"text":"x","start":0,"speaker":1}],"words":[{"text":" y","start":0,"end":1}],"waveform":[0.5],
             "other":{"text":"nested","id":["no"]}}
            """);

        Assert.Equal(
            ("Hi", FieldState.Null, "tp", "T", "S", "Tr", 1.5, 2d, "ended", "L", "Sh"),
            (data.Text.Value, data.Translation.State, data.Id.Value, data.Title.Value, data.Summary.Value, data.Transcript.Value,
             data.Timestamp.Value, data.Duration.Value, data.Value.Value, data.LongSummary.Value, data.ShortSummary.Value));
        Assert.Equal("""{"a":[]}""", data.ActionItems.Value.GetRawText());
        Assert.Equal([new TopicSegment("x", 0, 1)], data.Segments);
        Assert.Equal([new TopicWords.Word(" y", 0, 1, 0)], data.Words);
        Assert.Equal([0.5], data.Waveform.Value);
        Assert.Null(data.SegmentsProblem);
        Assert.Null(data.WordsProblem);
    }

    [Fact]
    public void Fields_not_sent_read_as_missing()
    {
        var data = Read("{}");

        Assert.Equal(FieldState.Missing, data.Text.State);
        Assert.Equal(FieldState.Missing, data.ActionItems.State);
        Assert.Equal(FieldState.Missing, data.Waveform.State);
        Assert.Null(data.Segments);
    }

    [Fact]
    public void A_repeated_field_is_read_afresh()
    {
        var data = Read("""{"segments":[1],"waveform":[1e999],"segments":[],"waveform":[2]}""");

        Assert.Null(data.SegmentsProblem);
        Assert.Empty(data.Segments!);
        Assert.False(data.WaveformNotFinite);
        Assert.Equal([2d], data.Waveform.Value);
    }

    [Theory]
    [InlineData("[0,\"1\"]", nameof(FieldState.WrongType), false)]
    [InlineData("[0,null]", nameof(FieldState.WrongType), false)]
    [InlineData("[0,1e999]", nameof(FieldState.Present), true)]
    [InlineData("[]", nameof(FieldState.Present), false)]
    [InlineData("null", nameof(FieldState.Null), false)]
    [InlineData("{}", nameof(FieldState.WrongType), false)]
    public void A_waveform_is_an_array_of_finite_numbers(string waveform, string state, bool notFinite)
    {
        var data = Read("{\"waveform\":" + waveform + "}");

        Assert.Equal(Enum.Parse<FieldState>(state), data.Waveform.State);
        Assert.Equal(notFinite, data.WaveformNotFinite);
    }

    private static TranscriptEventData Read(string json)
    {
        var reader = new Utf8JsonReader(Encoding.UTF8.GetBytes("[" + json + ",\"next\"]"));
        reader.Read();
        reader.Read();

        var data = TranscriptEventData.Read(ref reader);

        // The reader ends on the data's EndObject, where the envelope goes on.
        Assert.Equal(JsonTokenType.EndObject, reader.TokenType);
        Assert.True(reader.Read());
        Assert.Equal("next", reader.GetString());
        return data;
    }
}
