using System.Text.Json;
using Reflector.Relay.Events;
using Reflector.Relay.Tests.Cluster.Infrastructure;
using Reflector.Relay.Tests.Infrastructure;
using Reflector.Relay.Tests.Transcripts;
using Reflector.Simulator;
using Xunit.Abstractions;

namespace Reflector.Relay.Tests.Cluster;

/// <summary>Transcript streams in a cluster: one socket per user and transcript across the relays, as for user events.</summary>
[Collection(ClusterTests.Name)]
public sealed class TranscriptClusterTests(ClusterFixture fixture, ITestOutputHelper output) : IClassFixture<ClusterFixture>
{
    private static readonly JsonSerializerOptions Wire = new(JsonSerializerDefaults.Web);

    [Fact]
    public async Task Tabs_of_a_user_on_two_relays_following_one_transcript_share_one_socket_and_get_every_event_once_in_order()
    {
        await using var cluster = fixture.NewCluster(output);
        var nodes = await cluster.StartNodesAsync(2);
        var userId = ClusterFixture.NewUser("transcript-cluster");
        var transcriptId = fixture.Reflector.CreateTranscript(userId, TranscriptShareMode.Private);
        await using var first = await TranscriptTab.OpenAsync(nodes[0].CreateClient(fixture.TokenFor(userId)));
        await using var second = await TranscriptTab.OpenAsync(nodes[1].CreateClient(fixture.TokenFor(userId)));

        await first.SubscribeAsync(transcriptId);
        await fixture.Reflector.WaitForTranscriptOpenSocketsAsync(transcriptId, userId, 1, TestTimeouts.Default);
        await fixture.Reflector.EmitTranscriptEventAsync(transcriptId, "FINAL_TITLE", new { title = "Before the second relay" });
        Assert.Equal("Before the second relay", Assert.IsType<TranscriptEventMessage.FinalTitle>(await first.NextAsync()).Title);

        // The second relay follows the first one's socket: it never heard the start, so its tab is told to refetch.
        await second.SubscribeAsync(transcriptId);
        AssertSame(new TranscriptEventMessage.Resync(transcriptId, ResyncReason.Overflow), await second.NextAsync());

        var titles = Enumerable.Range(0, 20).Select(i => $"title {i}").ToArray();
        foreach (var title in titles)
        {
            await fixture.Reflector.EmitTranscriptEventAsync(transcriptId, "FINAL_TITLE", new { title });
        }

        foreach (var tab in new[] { first, second })
        {
            foreach (var title in titles)
            {
                AssertSame(new TranscriptEventMessage.FinalTitle(transcriptId, title), await tab.NextAsync());
            }
        }

        Assert.Equal(1, fixture.Reflector.TranscriptHandshakes(transcriptId));
        Assert.Equal(1, fixture.Reflector.TranscriptOpenSockets(transcriptId, userId));
        Assert.Empty(first.Pending());
        Assert.Empty(second.Pending());
    }

    [Fact]
    public async Task A_tab_joining_a_transcript_on_another_relay_after_Redis_restarted_empty_gets_in_and_hears_the_holder()
    {
        await using var cluster = fixture.NewCluster(output);
        var nodes = await cluster.StartNodesAsync(2);
        var userId = ClusterFixture.NewUser("transcript-redis-restart");
        var transcriptId = fixture.Reflector.CreateTranscript(userId, TranscriptShareMode.Private);
        await using var first = await TranscriptTab.OpenAsync(nodes[0].CreateClient(fixture.TokenFor(userId)));
        await using var second = await TranscriptTab.OpenAsync(nodes[1].CreateClient(fixture.TokenFor(userId)));
        await first.SubscribeAsync(transcriptId);
        await fixture.Reflector.WaitForTranscriptOpenSocketsAsync(transcriptId, userId, 1, TestTimeouts.Default);

        // Redis comes back with nothing; the holder claims its stream again, and its status key is gone with the rest.
        await fixture.Redis.RestartAsync();
        await TestTimeouts.EventuallyAsync(
            async () => (await fixture.Redis.KeysAsync($"*:transcript:*{transcriptId}:owner")).Count == 1,
            "the holder claimed its transcript stream again");

        // A relay following from now on learns the socket's outcome from the holder, so its tab gets in.
        await second.SubscribeAsync(transcriptId);
        await fixture.Reflector.EmitTranscriptEventAsync(transcriptId, "FINAL_TITLE", new { title = "After the restart" });
        foreach (var tab in new[] { first, second })
        {
            TranscriptEventMessage message;
            do
            {
                message = await tab.NextAsync();
            }
            while (message is TranscriptEventMessage.Resync);

            AssertSame(new TranscriptEventMessage.FinalTitle(transcriptId, "After the restart"), message);
        }

        // A relay that found Redis unreachable for a moment may have opened a socket of its own meanwhile (as the
        // contract allows); the cluster comes back to one.
        await fixture.Reflector.WaitForTranscriptOpenSocketsAsync(transcriptId, userId, 1, TestTimeouts.Default);
        Assert.Equal(1, fixture.Reflector.TranscriptOpenSockets(transcriptId, userId));
    }

    [Fact]
    public async Task Anonymous_viewers_of_a_public_transcript_on_two_relays_share_one_tokenless_socket_cluster_wide()
    {
        await using var cluster = fixture.NewCluster(output);
        var anonymous = new Dictionary<string, string?> { ["Anonymous__Enabled"] = "true" };
        var nodes = new[] { await cluster.StartNodeAsync(anonymous), await cluster.StartNodeAsync(anonymous) };
        var transcriptId = fixture.Reflector.CreateTranscript(ClusterFixture.NewUser("public-owner"), TranscriptShareMode.Public);
        await using var first = await TranscriptTab.OpenAsync(nodes[0].CreateClient(token: null));
        await using var second = await TranscriptTab.OpenAsync(nodes[1].CreateClient(token: null));

        await first.SubscribeAsync(transcriptId);
        await fixture.Reflector.WaitForTranscriptOpenSocketsAsync(transcriptId, user: null, 1, TestTimeouts.Default);
        await second.SubscribeAsync(transcriptId);
        await fixture.Reflector.EmitTranscriptEventAsync(transcriptId, "FINAL_TITLE", new { title = "Public meeting" });

        AssertSame(new TranscriptEventMessage.FinalTitle(transcriptId, "Public meeting"), await first.NextAsync());
        // The second relay follows the first one's socket: whatever came first, its viewer ends with the title.
        var seen = new List<TranscriptEventMessage> { await second.NextAsync() };
        if (seen[0] is TranscriptEventMessage.Resync)
        {
            seen.Add(await second.NextAsync());
        }

        AssertSame(new TranscriptEventMessage.FinalTitle(transcriptId, "Public meeting"), seen[^1]);
        Assert.Equal(1, fixture.Reflector.TranscriptHandshakes(transcriptId));
        Assert.Equal(1, fixture.Reflector.TranscriptOpenSockets(transcriptId, user: null));
    }

    [Fact]
    public async Task When_the_relay_holding_a_transcript_dies_another_opens_it_and_its_tabs_get_a_resync_then_the_replay()
    {
        await using var cluster = fixture.NewCluster(output);
        var nodes = await cluster.StartNodesAsync(2);
        var userId = ClusterFixture.NewUser("transcript-failover");
        var transcriptId = fixture.Reflector.CreateTranscript(userId, TranscriptShareMode.Private);
        await using var onHolder = await TranscriptTab.OpenAsync(nodes[0].CreateClient(fixture.TokenFor(userId)));
        await onHolder.SubscribeAsync(transcriptId);
        await fixture.Reflector.WaitForTranscriptOpenSocketsAsync(transcriptId, userId, 1, TestTimeouts.Default);
        await using var onSurvivor = await TranscriptTab.OpenAsync(nodes[1].CreateClient(fixture.TokenFor(userId)));
        await onSurvivor.SubscribeAsync(transcriptId);
        await fixture.Reflector.EmitTranscriptEventAsync(transcriptId, "FINAL_TITLE", new { title = "Stored" });
        AssertSame(new TranscriptEventMessage.Resync(transcriptId, ResyncReason.Overflow), await onSurvivor.NextAsync());
        AssertSame(new TranscriptEventMessage.FinalTitle(transcriptId, "Stored"), await onSurvivor.NextAsync());

        await nodes[0].KillAsync();

        AssertSame(new TranscriptEventMessage.Resync(transcriptId, ResyncReason.UpstreamReconnected), await onSurvivor.NextAsync());
        AssertSame(new TranscriptEventMessage.FinalTitle(transcriptId, "Stored"), await onSurvivor.NextAsync());
        await fixture.Reflector.WaitForTranscriptHandshakesAsync(transcriptId, 2, TestTimeouts.Default);
        await TestTimeouts.Eventually(() => fixture.Reflector.TranscriptOpenSockets(transcriptId, userId) == 1, "one socket is open again");
    }

    [Fact]
    public async Task A_relay_following_another_relays_transcript_bounds_its_history_by_the_real_bytes_of_large_messages()
    {
        const int historyBound = 1024 * 1024;
        await using var cluster = fixture.NewCluster(output);
        var nodes = await cluster.StartNodesAsync(2, new Dictionary<string, string?>
        {
            ["Limits__MaxTranscriptHistoryBytes"] = historyBound.ToString(System.Globalization.CultureInfo.InvariantCulture),
            // What is under test is the history; a tab slowed by a busy machine must not fall behind its own outbox.
            ["Limits__MaxQueuedBytesPerConnection"] = (64 * 1024 * 1024).ToString(System.Globalization.CultureInfo.InvariantCulture),
        });
        var userId = ClusterFixture.NewUser("transcript-follower-history");
        var transcriptId = fixture.Reflector.CreateTranscript(userId, TranscriptShareMode.Private);
        await using var onHolder = await TranscriptTab.OpenAsync(nodes[0].CreateClient(fixture.TokenFor(userId)));
        await onHolder.SubscribeAsync(transcriptId);
        await fixture.Reflector.WaitForTranscriptOpenSocketsAsync(transcriptId, userId, 1, TestTimeouts.Default);
        await using var following = await TranscriptTab.OpenAsync(nodes[1].CreateClient(fixture.TokenFor(userId)));
        await following.SubscribeAsync(transcriptId);
        AssertSame(new TranscriptEventMessage.Resync(transcriptId, ResyncReason.Overflow), await following.NextAsync());

        // 32 topics of about 100 KB reach the second relay through Redis only: three times its history's bound.
        const int topics = 32;
        for (var i = 0; i < topics; i++)
        {
            await fixture.Reflector.EmitTranscriptEventAsync(transcriptId, "TOPIC", new
            {
                id = $"topic-{i}", title = $"Topic {i}", summary = new string('x', 100_000), timestamp = (double)i,
                duration = (double?)null, transcript = "words", segments = new[] { new { text = "words", start = (double)i, speaker = 0 } },
            });
        }

        Assert.Equal(topics, (await following.NextAsync(topics)).Count);

        // A late tab on the following relay is given that relay's own history, then what comes next.
        await using var late = await TranscriptTab.OpenAsync(nodes[1].CreateClient(fixture.TokenFor(userId)));
        await late.SubscribeAsync(transcriptId);
        await fixture.Reflector.EmitTranscriptEventAsync(transcriptId, "FINAL_TITLE", new { title = "After the history" });
        AssertSame(new TranscriptEventMessage.Resync(transcriptId, ResyncReason.Overflow), await late.NextAsync());
        var replayed = new List<TranscriptEventMessage.TopicUpdated>();
        while (await late.NextAsync() is TranscriptEventMessage.TopicUpdated topic)
        {
            replayed.Add(topic);
        }

        var replayedBytes = replayed.Sum(topic => (long)JsonSerializer.SerializeToUtf8Bytes<TranscriptEventMessage>(topic, Wire).Length);
        output.WriteLine($"the following relay replayed {replayed.Count} of {topics} topics, {replayedBytes} bytes, for a bound of {historyBound}");
        Assert.InRange(replayedBytes, historyBound - 110_000, historyBound);
        Assert.Equal(Enumerable.Range(topics - replayed.Count, replayed.Count).Select(i => $"topic-{i}"), replayed.Select(topic => topic.Id));
    }

    private static void AssertSame(TranscriptEventMessage expected, TranscriptEventMessage actual) =>
        Assert.Equal(JsonSerializer.Serialize(expected, Wire), JsonSerializer.Serialize(actual, Wire));
}
