using System.Text.Json;
using Reflector.Relay.Events;
using Reflector.Relay.Tests.Infrastructure;
using Reflector.Simulator;

namespace Reflector.Relay.Tests.Transcripts;

/// <summary>
/// Transcript streams as Reflector's pipelines really feed them, through a real relay and the simulated Reflector:
/// topics with words (uploaded files, room recordings), history wiped on reprocessing, and events a newer Reflector adds.
/// </summary>
public sealed class ReflectorPipelineShapesTests(ReflectorFixture fixture) : IClassFixture<ReflectorFixture>
{
    private static readonly JsonSerializerOptions Wire = new(JsonSerializerDefaults.Web);

    // A TOPIC as the file pipeline broadcasts and stores it: words, no segments, duration left at its default 0.
    private static readonly object FilePipelineTopic = new
    {
        id = "tp-upload", title = "Intro", summary = "Hellos.", timestamp = 0.0, duration = 0, transcript = " Hi all. Hello!",
        words = new[]
        {
            new { text = " Hi", start = 0.0, end = 0.3, speaker = 0 },
            new { text = " all.", start = 0.3, end = 0.7, speaker = 0 },
            new { text = " Hello!", start = 1.0, end = 1.5, speaker = 1 },
        },
    };

    private static TranscriptEventMessage.TopicUpdated FilePipelineTopicMessage(string transcriptId) =>
        new(transcriptId, "tp-upload", "Intro", "Hellos.", 0.0, 1.5, " Hi all. Hello!",
            [new TopicSegment(" Hi all.", 0.0, 0), new TopicSegment(" Hello!", 1.0, 1)]);

    [Fact]
    public async Task A_topic_with_words_arrives_with_the_segments_reflectors_api_shows_live_and_in_history()
    {
        await using var relay = new RelayFactory(fixture.Reflector);
        var owner = NewUser();
        var (transcriptId, live) = await FollowNewTranscriptAsync(relay, owner);
        await using var _ = live;

        await fixture.Reflector.EmitTranscriptEventAsync(transcriptId, "TOPIC", FilePipelineTopic);
        AssertSameOnTheWire(FilePipelineTopicMessage(transcriptId), await live.NextAsync());

        await using var late = await TranscriptTab.OpenAsync(relay, owner);
        await late.SubscribeAsync(transcriptId);
        AssertSameOnTheWire(FilePipelineTopicMessage(transcriptId), await late.NextAsync());
    }

    [Fact]
    public async Task After_a_reprocess_of_an_uploaded_file_later_tabs_get_only_what_reflector_would_replay()
    {
        await using var relay = new RelayFactory(fixture.Reflector);
        var owner = NewUser();
        var (transcriptId, early) = await FollowNewTranscriptAsync(relay, owner, uploaded: true);
        await using var _ = early;
        await fixture.Reflector.EmitTranscriptEventAsync(transcriptId, "TOPIC", FilePipelineTopic);
        await fixture.Reflector.EmitTranscriptEventAsync(transcriptId, "FINAL_TITLE", new { title = "First run" });

        await fixture.Reflector.EmitTranscriptEventAsync(transcriptId, "STATUS", new { value = "processing" });
        await fixture.Reflector.EmitTranscriptEventAsync(transcriptId, "FINAL_TITLE", new { title = "Second run" });
        Assert.Equal(4, (await early.NextAsync(4)).Count);

        // What a fresh socket of its own would replay: only what came after the wipe.
        Assert.Equal(1, fixture.Reflector.StoredTranscriptEvents(transcriptId));
        await using var late = await TranscriptTab.OpenAsync(relay, owner);
        await late.SubscribeAsync(transcriptId);
        await fixture.Reflector.EmitTranscriptEventAsync(transcriptId, "DURATION", new { duration = 9.0 });
        AssertSameOnTheWire(new TranscriptEventMessage.FinalTitle(transcriptId, "Second run"), await late.NextAsync());
        AssertSameOnTheWire(new TranscriptEventMessage.DurationChanged(transcriptId, 9.0), await late.NextAsync());
    }

    [Fact]
    public async Task A_live_recording_that_ends_and_goes_to_processing_keeps_its_history_as_reflector_does()
    {
        await using var relay = new RelayFactory(fixture.Reflector);
        var owner = NewUser();
        var (transcriptId, early) = await FollowNewTranscriptAsync(relay, owner);
        await using var _ = early;

        // Reflector's live pipeline: recording, live text and topics, then processing at its flush (no wipe).
        await fixture.Reflector.EmitTranscriptEventAsync(transcriptId, "STATUS", new { value = "recording" });
        await fixture.Reflector.EmitTranscriptEventAsync(transcriptId, "TRANSCRIPT", new { text = "Hello", translation = (string?)null });
        await fixture.Reflector.EmitTranscriptEventAsync(transcriptId, "FINAL_TITLE", new { title = "Recorded live" });
        await fixture.Reflector.EmitTranscriptEventAsync(transcriptId, "STATUS", new { value = "processing" });
        Assert.Equal(4, (await early.NextAsync(4)).Count);
        Assert.Equal(1, fixture.Reflector.StoredTranscriptEvents(transcriptId));

        await using var late = await TranscriptTab.OpenAsync(relay, owner);
        await late.SubscribeAsync(transcriptId);
        AssertSameOnTheWire(new TranscriptEventMessage.FinalTitle(transcriptId, "Recorded live"), await late.NextAsync());
    }

    [Fact]
    public async Task A_newer_reflectors_transcript_events_reach_the_page_and_its_history()
    {
        await using var relay = new RelayFactory(fixture.Reflector);
        var owner = NewUser();
        var (transcriptId, live) = await FollowNewTranscriptAsync(relay, owner);
        await using var _ = live;

        await fixture.Reflector.EmitTranscriptEventAsync(transcriptId, "DAG_STATUS", new { status = "running", tasks = new[] { new { name = "diarize", status = "running" } } });
        await fixture.Reflector.EmitTranscriptEventAsync(transcriptId, "DAG_TASK_PROGRESS", new { task = "diarize", progress = 0.5 });

        var status = Assert.IsType<TranscriptEventMessage.Unknown>(await live.NextAsync());
        Assert.Equal("DAG_STATUS", status.Event);
        Assert.Equal("diarize", status.Data.GetProperty("tasks")[0].GetProperty("name").GetString());
        var progress = Assert.IsType<TranscriptEventMessage.Unknown>(await live.NextAsync());
        Assert.Equal(0.5, progress.Data.GetProperty("progress").GetDouble());

        await using var late = await TranscriptTab.OpenAsync(relay, owner);
        await late.SubscribeAsync(transcriptId);
        Assert.Equal(["DAG_STATUS", "DAG_TASK_PROGRESS"], (await late.NextAsync(2)).Cast<TranscriptEventMessage.Unknown>().Select(unknown => unknown.Event));
    }

    [Fact]
    public async Task A_newer_reflectors_user_event_about_a_transcript_invalidates_it()
    {
        await using var relay = new RelayFactory(fixture.Reflector);
        var userId = NewUser();
        await using var tab = await relay.ConnectAsync(userId);
        await tab.WaitForStateAsync(UpstreamState.Connected);
        await fixture.Reflector.WaitForOpenSocketsAsync(userId, 1, TestTimeouts.Default);

        await fixture.Reflector.EmitAsync(userId, "TRANSCRIPT_DAG_STATUS", new { id = "t-dag", status = "running" });

        Assert.Equal(new InvalidateMessage.TranscriptChanged("t-dag", "TRANSCRIPT_DAG_STATUS"), await tab.NextMessageAsync());
    }

    private static string NewUser() => "shapes-" + Guid.NewGuid().ToString("N");

    /// <summary>A new private transcript of <paramref name="owner"/>, followed by a tab of theirs once Reflector listens.</summary>
    private async Task<(string TranscriptId, TranscriptTab Tab)> FollowNewTranscriptAsync(RelayFactory relay, string owner, bool uploaded = false)
    {
        var transcriptId = fixture.Reflector.CreateTranscript(owner, TranscriptShareMode.Private, uploaded: uploaded);
        var tab = await TranscriptTab.OpenAsync(relay, owner);
        await tab.SubscribeAsync(transcriptId);
        await fixture.Reflector.WaitForTranscriptOpenSocketsAsync(transcriptId, owner, 1, TestTimeouts.Default);
        return (transcriptId, tab);
    }

    private static void AssertSameOnTheWire(TranscriptEventMessage expected, TranscriptEventMessage actual) =>
        Assert.Equal(JsonSerializer.Serialize(expected, Wire), JsonSerializer.Serialize(actual, Wire));
}
