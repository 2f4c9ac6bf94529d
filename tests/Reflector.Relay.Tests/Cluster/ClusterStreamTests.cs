using Reflector.Relay.Cluster;

namespace Reflector.Relay.Tests.Cluster;

public sealed class ClusterStreamTests
{
    [Fact]
    public void A_user_stream_is_named_after_the_user()
    {
        var stream = ClusterStream.ForUser("alice");

        Assert.Equal(new ClusterStream("user:alice", "alice", TranscriptId: null), stream);
    }

    [Fact]
    public void A_transcript_stream_is_named_in_its_own_namespace_and_split_into_user_and_transcript_for_logs()
    {
        var stream = ClusterStream.ForTranscript("alice\u001ft1");

        Assert.Equal("transcript:alice\u001ft1", stream.Name);
        Assert.Equal("alice", stream.UserId);
        Assert.Equal("t1", stream.TranscriptId);
    }

    [Fact]
    public void An_anonymous_viewers_transcript_stream_has_an_empty_user()
    {
        var stream = ClusterStream.ForTranscript("\u001ft1");

        Assert.Equal(string.Empty, stream.UserId);
        Assert.Equal("t1", stream.TranscriptId);
    }

    [Fact]
    public void No_user_id_names_a_transcript_stream()
    {
        Assert.NotEqual(ClusterStream.ForUser("transcript:x").Name, ClusterStream.ForTranscript("x").Name);
    }
}
