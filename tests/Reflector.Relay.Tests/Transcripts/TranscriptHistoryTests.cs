using Microsoft.AspNetCore.SignalR;
using Microsoft.AspNetCore.SignalR.Protocol;
using Reflector.Relay.Events;
using Reflector.Relay.Transcripts;

namespace Reflector.Relay.Tests.Transcripts;

public sealed class TranscriptHistoryTests
{
    [Fact]
    public void Live_text_status_and_resyncs_are_not_kept_because_reflector_does_not_replay_them()
    {
        var history = new TranscriptHistory(maxBytes: 1 << 20);
        Add(history, new TranscriptEventMessage.LiveText("t", "words", null));
        Add(history, new TranscriptEventMessage.StatusChanged("t", TranscriptStatus.Recording));
        Add(history, new TranscriptEventMessage.Resync("t", ResyncReason.UpstreamReconnected));
        Add(history, new TranscriptEventMessage.DurationChanged("t", 3));

        Assert.Equal(["duration"], Kinds(history));
    }

    [Fact]
    public void A_topic_update_replaces_the_earlier_version_in_its_place()
    {
        var history = new TranscriptHistory(maxBytes: 1 << 20);
        Add(history, Topic("a", "first"));
        Add(history, Topic("b", "second"));
        Add(history, Topic("a", "first, revised"));

        Assert.Equal(["topic a first, revised", "topic b second"], Kinds(history));
    }

    [Fact]
    public void Past_its_bound_the_oldest_events_go_and_the_history_says_it_is_no_longer_whole()
    {
        var history = new TranscriptHistory(maxBytes: 3000);
        Add(history, Topic("a", "oldest"), frameBytes: 1000);
        Add(history, Topic("b", "middle"), frameBytes: 1000);
        Add(history, Topic("c", "newest"), frameBytes: 1000);
        Assert.False(history.IsTruncated);

        Add(history, Topic("d", "one too many"), frameBytes: 1000);

        Assert.True(history.IsTruncated);
        Assert.Equal(3000, history.Bytes);
        Assert.Equal(["topic b middle", "topic c newest", "topic d one too many"], Kinds(history));
        // The topics still in the history are still updated in place.
        Add(history, Topic("c", "newest, revised"), frameBytes: 1000);
        Assert.Equal(["topic b middle", "topic c newest, revised", "topic d one too many"], Kinds(history));
    }

    [Fact]
    public void Clearing_starts_a_whole_history_again()
    {
        var history = new TranscriptHistory(maxBytes: 500);
        Add(history, Topic("a", "big"), frameBytes: 1000);
        Assert.True(history.IsTruncated);

        history.Clear();
        Add(history, Topic("a", "again"));

        Assert.False(history.IsTruncated);
        Assert.Equal(["topic a again"], Kinds(history));
    }

    private static void Add(TranscriptHistory history, TranscriptEventMessage message, int frameBytes = 300) =>
        history.Add(message, new SerializedHubMessage(new InvocationMessage("transcriptEvent", [message])), frameBytes);

    private static TranscriptEventMessage.TopicUpdated Topic(string id, string title) =>
        new("t", id, title, "", 0, null, "", []);

    private static List<string> Kinds(TranscriptHistory history) =>
        [.. history.Snapshot().Select(serialized => ((InvocationMessage)serialized.Message!).Arguments[0] switch
        {
            TranscriptEventMessage.TopicUpdated topic => $"topic {topic.Id} {topic.Title}",
            TranscriptEventMessage.DurationChanged => "duration",
            var other => other!.GetType().Name,
        })];
}
