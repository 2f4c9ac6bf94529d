using System.Text;
using System.Text.Json;
using Reflector.Relay.Events;

namespace Reflector.Relay.Tests.Events;

public sealed class TopicSegmentsTests
{
    [Fact]
    public void Segments_are_kept_in_order_with_empty_text_allowed()
    {
        var segments = Read("""[{"text":"Money.","start":12.5,"speaker":0},{"speaker":1,"start":-1,"text":"","words":[]}]""", out var problem);

        Assert.Null(problem);
        Assert.Equal([new TopicSegment("Money.", 12.5, 0), new TopicSegment("", -1, 1)], segments);
    }

    [Theory]
    [InlineData("""{"start":0,"speaker":0}""", nameof(DropReason.MissingField), "segments.text")]
    [InlineData("""{"text":7,"start":0,"speaker":0}""", nameof(DropReason.WrongFieldType), "segments.text")]
    [InlineData("""{"text":"","speaker":0}""", nameof(DropReason.MissingField), "segments.start")]
    [InlineData("""{"text":"","start":1e999,"speaker":0}""", nameof(DropReason.InvalidFieldValue), "segments.start")]
    [InlineData("""{"text":"","start":0}""", nameof(DropReason.MissingField), "segments.speaker")]
    [InlineData("""{"text":"","start":0,"speaker":null}""", nameof(DropReason.WrongFieldType), "segments.speaker")]
    [InlineData("""{"text":"","start":0,"speaker":"A"}""", nameof(DropReason.WrongFieldType), "segments.speaker")]
    [InlineData("\"Money.\"", nameof(DropReason.WrongFieldType), "segments")]
    public void A_malformed_segment_is_a_problem_naming_its_field(string segment, string reason, string field)
    {
        Read("[" + segment + """,{"text":"","start":0,"speaker":0}]""", out var problem);

        Assert.Equal(new FieldProblem(Enum.Parse<DropReason>(reason), field), problem);
    }

    [Fact]
    public void Null_segments_read_as_none()
    {
        Assert.Null(Read("null", out var problem));
        Assert.Null(problem);
    }

    private static List<TopicSegment>? Read(string json, out FieldProblem? problem)
    {
        var reader = new Utf8JsonReader(Encoding.UTF8.GetBytes(json));
        reader.Read();
        return TopicSegments.Read(ref reader, out problem);
    }
}
