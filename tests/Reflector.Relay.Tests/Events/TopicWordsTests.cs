using System.Text;
using Reflector.Relay.Events;

namespace Reflector.Relay.Tests.Events;

/// <summary>
/// Topics of uploaded files and room recordings come with <c>words</c> instead of <c>segments</c>; the relay shows
/// them as Reflector's topics endpoint does (its <c>words_to_segments</c>).
/// </summary>
public sealed class TopicWordsTests
{
    // As Reflector's file pipeline broadcasts a TOPIC (TranscriptTopic: duration defaults to 0, words carry their
    // leading space and a speaker).
    private const string FilePipelineTopic = """
        {"event":"TOPIC","data":{"id":"tp-file","title":"Kickoff","summary":"Who does what.","timestamp":0.5,"duration":0,
         "transcript":" Hello there. Hi! Let's start.",
         "words":[{"text":" Hello","start":0.5,"end":0.9,"speaker":0},{"text":" there.","start":0.9,"end":1.2,"speaker":0},
                  {"text":" Hi!","start":1.4,"end":1.6,"speaker":1},
                  {"text":" Let's","start":2.0,"end":2.3,"speaker":0},{"text":" start.","start":2.3,"end":2.9,"speaker":0}]}}
        """;

    // The live pipeline's shape: segments, no words.
    private const string LivePipelineTopic = """
        {"event":"TOPIC","data":{"id":"tp-live","title":"Kickoff","summary":"Who does what.","timestamp":0.5,"duration":2.4,
         "transcript":"Hello there.","segments":[{"text":"Hello there.","start":0.5,"speaker":0}]}}
        """;

    [Fact]
    public void A_file_pipeline_topic_gets_one_segment_per_run_of_one_speakers_words_with_the_apis_text_and_duration()
    {
        var topic = Assert.IsType<TranscriptEventMessage.TopicUpdated>(Parse(FilePipelineTopic).Message);

        Assert.Equal(
            [new TopicSegment(" Hello there.", 0.5, 0), new TopicSegment(" Hi!", 1.4, 1), new TopicSegment(" Let's start.", 2.0, 0)],
            topic.Segments);
        Assert.Equal(" Hello there. Hi! Let's start.", topic.Transcript);
        Assert.Equal(2.9 - 0.5, topic.Duration!.Value, precision: 9);
        Assert.Equal("tp-file", topic.Id);
    }

    [Fact]
    public void A_live_pipeline_topic_keeps_its_own_segments()
    {
        var topic = Assert.IsType<TranscriptEventMessage.TopicUpdated>(Parse(LivePipelineTopic).Message);

        Assert.Equal([new TopicSegment("Hello there.", 0.5, 0)], topic.Segments);
        Assert.Equal(2.4, topic.Duration);
    }

    [Fact]
    public void A_topic_with_both_keeps_the_segments_it_was_sent()
    {
        var frame = LivePipelineTopic.Replace("\"segments\"", "\"words\":[{\"text\":\" Other\",\"start\":9,\"end\":9.5,\"speaker\":3}],\"segments\"", StringComparison.Ordinal);

        var topic = Assert.IsType<TranscriptEventMessage.TopicUpdated>(Parse(frame).Message);

        Assert.Equal([new TopicSegment("Hello there.", 0.5, 0)], topic.Segments);
    }

    [Fact]
    public void One_speakers_segment_closes_at_punctuation_only_once_it_is_longer_than_120_characters()
    {
        // 30 words of " word", the 10th and the 30th ending a sentence: 152 characters in all.
        var words = Enumerable.Range(1, 30)
            .Select(i => new TopicWords.Word(i is 10 or 30 ? " word." : " word", i, i + 0.5, Speaker: 2))
            .ToList();

        var segments = TopicWords.ToSegments(words);

        // Word 10's period comes at 51 characters: too short to close. Word 30's comes at 152, and the words end there.
        var only = Assert.Single(segments);
        Assert.Equal(152, only.Text.Length);
        Assert.Equal(1, only.Start);

        words.Insert(25, new TopicWords.Word(" yes;", 25.2, 25.4, Speaker: 2));
        var split = TopicWords.ToSegments(words);
        Assert.Equal(2, split.Count);
        Assert.EndsWith(" yes;", split[0].Text, StringComparison.Ordinal);
        // The semicolon comes at 131 characters and closes the segment; the next starts with word 26.
        Assert.Equal(26, split[1].Start);
    }

    [Fact]
    public void A_speaker_missing_from_a_word_is_speaker_zero_as_in_reflectors_model()
    {
        var frame = """{"event":"TOPIC","data":{"id":"tp","title":"","summary":"","timestamp":0,"words":[{"text":" Hi","start":0,"end":1}]}}""";

        var topic = Assert.IsType<TranscriptEventMessage.TopicUpdated>(Parse(frame).Message);

        Assert.Equal([new TopicSegment(" Hi", 0, 0)], topic.Segments);
    }

    [Theory]
    [InlineData("""[{"text":" Hi","start":"0","end":1}]""", "words.start")]
    [InlineData("""[{"start":0,"end":1}]""", "words.text")]
    [InlineData("""[{"text":" Hi","start":0}]""", "words.end")]
    [InlineData("""[{"text":" Hi","start":0,"end":1,"speaker":"A"}]""", "words.speaker")]
    [InlineData("""[" Hi"]""", "words")]
    public void A_malformed_word_drops_the_topic_naming_the_field(string words, string field)
    {
        var result = Parse("""{"event":"TOPIC","data":{"id":"tp","title":"","summary":"","timestamp":0,"words":""" + words + "}}");

        Assert.Null(result.Message);
        Assert.Equal(field, result.Field);
    }

    private static ParsedFrame<TranscriptEventMessage> Parse(string frame) =>
        TranscriptEventParser.Parse("t1", Encoding.UTF8.GetBytes(frame));
}
