using System.Text.Json;
using Microsoft.AspNetCore.SignalR;
using Microsoft.AspNetCore.SignalR.Protocol;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;
using Reflector.Relay.Events;
using Reflector.Relay.Limits;
using Reflector.Relay.Transcripts;
using Reflector.Relay.Streams;

namespace Reflector.Relay.Tests.Transcripts;

/// <summary>A transcript stream's history as a late subscriber gets it, on the relay holding the socket and on one following it.</summary>
public sealed class TranscriptFeedTests
{
    private const long HistoryBound = 1024 * 1024;

    /// <summary>
    /// A relay following another's socket (a cluster) is handed each message from Redis, with no frame of its own
    /// (<c>frameBytes</c> 0); the holder is handed the frame's size. Either way the history is bounded by real bytes.
    /// </summary>
    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task A_late_subscriber_is_replayed_no_more_than_the_byte_bound_of_large_messages_on_a_follower_as_on_the_holder(bool follower)
    {
        var sink = new ReplayRecordingSink();
        var feed = NewFeed(sink);
        if (follower)
        {
            feed.OnFollowingMidStream();
        }

        // 64 topics of about 64 KB: 4 MiB, four times the bound.
        var topics = Enumerable.Range(0, 64)
            .Select(i => (TranscriptEventMessage)new TranscriptEventMessage.TopicUpdated(
                "t1", $"topic-{i}", $"Topic {i}", new string('x', 64 * 1024), i, null, "words", []))
            .ToList();
        foreach (var topic in topics)
        {
            await feed.DeliverAsync(topic, frameBytes: follower ? 0 : (int)JsonBytes(topic), CancellationToken.None);
        }

        await feed.JoinAsync("late", UpstreamStatus.Connected, CancellationToken.None);

        var replayed = sink.Replayed("late");
        Assert.Equal(new TranscriptEventMessage.Resync("t1", ResyncReason.Overflow), replayed[0]);
        var kept = replayed.Skip(1).ToList();
        var keptBytes = kept.Sum(JsonBytes);
        Assert.InRange(keptBytes, HistoryBound - JsonBytes(topics[^1]), HistoryBound);
        // The newest ones, in order.
        Assert.Equal(topics.TakeLast(kept.Count).Select(topic => ((TranscriptEventMessage.TopicUpdated)topic).Id),
            kept.Select(topic => ((TranscriptEventMessage.TopicUpdated)topic).Id));
    }

    private static TranscriptFeed NewFeed(ITranscriptEventSink sink)
    {
        var limits = Options.Create(new ConnectionLimitsOptions { MaxTranscriptHistoryBytes = HistoryBound });
        var admission = new TranscriptAdmission(limits, new FakeTimeProvider(), NullLogger<TranscriptAdmission>.Instance);
        var options = new UpstreamOptions { EventsUrl = "ws://reflector:1250/v1/events" };
        return new TranscriptFeed("user", "t1", options, HistoryBound, sink, admission);
    }

    private static long JsonBytes(TranscriptEventMessage message) =>
        JsonSerializer.SerializeToUtf8Bytes(message, Wire).Length;

    private static readonly JsonSerializerOptions Wire = new(JsonSerializerDefaults.Web);

    private sealed class ReplayRecordingSink : ITranscriptEventSink
    {
        private readonly Dictionary<string, IReadOnlyList<SerializedHubMessage>> _replays = [];

        public SerializedHubMessage Send(IReadOnlyCollection<string> connectionIds, TranscriptEventMessage message) =>
            new(new InvocationMessage("transcriptEvent", [message]));

        public void Replay(string connectionId, string transcriptId, IReadOnlyList<SerializedHubMessage> history) =>
            _replays[connectionId] = history;

        public List<TranscriptEventMessage> Replayed(string connectionId) =>
            [.. _replays[connectionId].Select(serialized => (TranscriptEventMessage)((InvocationMessage)serialized.Message!).Arguments[0]!)];
    }
}
