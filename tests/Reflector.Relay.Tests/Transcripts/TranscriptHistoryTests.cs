using System.Text.Json;
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
        // Titles of one length: every topic has the same size.
        TranscriptEventMessage[] topics = [Topic("a", "oldest", 1000), Topic("b", "middle", 1000), Topic("c", "newest", 1000), Topic("d", "latest", 1000)];
        var size = JsonBytes(topics[0]);
        var history = new TranscriptHistory(maxBytes: 3 * size);
        Add(history, topics[0]);
        Add(history, topics[1]);
        Add(history, topics[2]);
        Assert.False(history.IsTruncated);

        Add(history, topics[3]);

        Assert.True(history.IsTruncated);
        Assert.Equal(3 * size, history.Bytes);
        Assert.Equal(["topic b middle", "topic c newest", "topic d latest"], Kinds(history));
        // The topics still in the history are still updated in place.
        Add(history, Topic("c", "update", 1000));
        Assert.Equal(["topic b middle", "topic c update", "topic d latest"], Kinds(history));
    }

    [Fact]
    public void Each_event_counts_the_bytes_of_its_json_form_and_a_tiny_one_still_costs_the_minimum()
    {
        var history = new TranscriptHistory(maxBytes: 1 << 30);
        var large = Topic("a", "large", 200_000);

        Add(history, large);
        Assert.Equal(JsonBytes(large), history.Bytes);
        Assert.True(history.Bytes > 200_000);

        Add(history, new TranscriptEventMessage.DurationChanged("t", 3));
        Assert.Equal(JsonBytes(large) + TranscriptHistory.MinimumEntryBytes, history.Bytes);

        // An update in place counts the new version's bytes, not the old one's.
        var smaller = Topic("a", "smaller", 50_000);
        Add(history, smaller);
        Assert.Equal(JsonBytes(smaller) + TranscriptHistory.MinimumEntryBytes, history.Bytes);
    }

    [Fact]
    public void Clearing_starts_a_whole_history_again()
    {
        var history = new TranscriptHistory(maxBytes: 500);
        Add(history, Topic("a", "big", 1000));
        Assert.True(history.IsTruncated);

        history.Clear();
        Add(history, Topic("a", "again"));

        Assert.False(history.IsTruncated);
        Assert.Equal(["topic a again"], Kinds(history));
    }

    private static void Add(TranscriptHistory history, TranscriptEventMessage message) =>
        history.Add(message, new SerializedHubMessage(new InvocationMessage("transcriptEvent", [message])));

    private static TranscriptEventMessage.TopicUpdated Topic(string id, string title, int summaryLength = 0) =>
        new("t", id, title, new string('s', summaryLength), 0, null, "", []);

    /// <summary>The event as a JSON client gets it, measured apart from the relay's own counting.</summary>
    private static long JsonBytes(TranscriptEventMessage message) =>
        JsonSerializer.SerializeToUtf8Bytes(message, Wire).Length;

    private static readonly JsonSerializerOptions Wire = new(JsonSerializerDefaults.Web);

    private static List<string> Kinds(TranscriptHistory history) =>
        [.. history.Snapshot().Select(serialized => ((InvocationMessage)serialized.Message!).Arguments[0] switch
        {
            TranscriptEventMessage.TopicUpdated topic => $"topic {topic.Id} {topic.Title}",
            TranscriptEventMessage.DurationChanged => "duration",
            var other => other!.GetType().Name,
        })];
}
