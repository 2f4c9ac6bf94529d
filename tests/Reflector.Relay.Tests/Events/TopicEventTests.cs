using Reflector.Relay.Events;

namespace Reflector.Relay.Tests.Events;

/// <summary>Which of a topic's two shapes wins, and which problem is reported first, given its data as read.</summary>
public sealed class TopicEventTests
{
    private static readonly TopicWords.Word[] Words = [new(" Hello", 1, 1.5, 0), new(" there.", 1.5, 2.25, 0)];

    [Fact]
    public void A_live_topic_keeps_its_transcript_segments_and_duration()
    {
        var data = Topic();
        data.Segments = [new TopicSegment("Hello.", 1, 0)];

        var topic = Build(data);

        Assert.Equal(
            new TranscriptEventMessage.TopicUpdated("t1", "tp", "Title", "Summary", 1, 30, "Hello.", data.Segments),
            topic.Message);
        Assert.Equal("TOPIC", topic.EventName);
    }

    [Fact]
    public void Words_stand_in_for_segments_transcript_and_duration_when_no_segments_came()
    {
        var data = Topic();
        data.Transcript = default;
        data.Words = [.. Words];

        var topic = Assert.IsType<TranscriptEventMessage.TopicUpdated>(Build(data).Message);

        Assert.Equal(" Hello there.", topic.Transcript);
        Assert.Equal(1.25, topic.Duration);
        Assert.Equal([new TopicSegment(" Hello there.", 1, 0)], topic.Segments);
    }

    [Fact]
    public void Segments_win_over_words_and_over_a_problem_in_them()
    {
        var data = Topic();
        data.Segments = [];
        data.Words = [.. Words];
        data.WordsProblem = new FieldProblem(DropReason.MissingField, "words.end");

        var topic = Assert.IsType<TranscriptEventMessage.TopicUpdated>(Build(data).Message);

        Assert.Equal("Hello.", topic.Transcript);
        Assert.Empty(topic.Segments);
    }

    [Fact]
    public void A_problem_in_the_segments_drops_the_topic_even_with_good_words()
    {
        var data = Topic();
        data.SegmentsProblem = new FieldProblem(DropReason.WrongFieldType, "segments.speaker");
        data.Words = [.. Words];

        var dropped = Build(data);

        Assert.Equal((DropReason.WrongFieldType, "segments.speaker"), (dropped.DropReason!.Value, dropped.Field!));
    }

    [Fact]
    public void Without_segments_or_words_the_transcript_is_required()
    {
        var data = Topic();
        data.Transcript = default;
        data.Words = [];

        var dropped = Build(data);

        Assert.Equal((DropReason.MissingField, "transcript"), (dropped.DropReason!.Value, dropped.Field!));
    }

    [Theory]
    [InlineData(nameof(FieldState.Missing))]
    [InlineData(nameof(FieldState.Null))]
    public void A_duration_null_or_absent_reads_as_none(string state)
    {
        var data = Topic();
        data.Duration = new JsonField<double>(Enum.Parse<FieldState>(state), 0);

        var topic = Assert.IsType<TranscriptEventMessage.TopicUpdated>(Build(data).Message);

        Assert.Null(topic.Duration);
    }

    [Fact]
    public void The_id_is_checked_first_and_must_not_be_blank()
    {
        var data = default(TranscriptEventData);
        data.Id = Text(" ");

        var dropped = Build(data);

        Assert.Equal((DropReason.InvalidFieldValue, "id"), (dropped.DropReason!.Value, dropped.Field!));
    }

    private static ParsedFrame<TranscriptEventMessage> Build(in TranscriptEventData data) => TopicEvent.Build("t1", data);

    private static TranscriptEventData Topic() => new()
    {
        Id = Text("tp"),
        Title = Text("Title"),
        Summary = Text("Summary"),
        Transcript = Text("Hello."),
        Timestamp = new JsonField<double>(FieldState.Present, 1),
        Duration = new JsonField<double>(FieldState.Present, 30),
    };

    private static JsonField<string?> Text(string value) => new(FieldState.Present, value);
}
