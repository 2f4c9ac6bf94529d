using System.Text.Json;
using Microsoft.AspNetCore.SignalR;
using Reflector.Relay.Events;
using Reflector.Relay.Tests.Infrastructure;
using Reflector.Simulator;

namespace Reflector.Relay.Tests.Transcripts;

public sealed class TranscriptStreamTests(ReflectorFixture fixture) : IClassFixture<ReflectorFixture>
{
    private static readonly JsonSerializerOptions Wire = new(JsonSerializerDefaults.Web);

    /// <summary>One event of each kind as Reflector sends it, and the message a subscriber should get for it.</summary>
    private static IEnumerable<(string Event, object Data, TranscriptEventMessage Expected)> EveryKindFor(string id)
    {
        yield return ("TRANSCRIPT", new { text = "hello there", translation = (string?)null },
            new TranscriptEventMessage.LiveText(id, "hello there", null));
        yield return ("TOPIC", new
            {
                id = "topic-1", title = "Budget", summary = "Numbers were discussed", timestamp = 12.5, duration = 30.0,
                transcript = "We need more budget", segments = new[] { new { text = "We need more budget", start = 12.5, speaker = 1 } },
            },
            new TranscriptEventMessage.TopicUpdated(id, "topic-1", "Budget", "Numbers were discussed", 12.5, 30.0,
                "We need more budget", [new TopicSegment("We need more budget", 12.5, 1)]));
        yield return ("STATUS", new { value = "processing" }, new TranscriptEventMessage.StatusChanged(id, TranscriptStatus.Processing));
        yield return ("FINAL_TITLE", new { title = "Quarterly planning" }, new TranscriptEventMessage.FinalTitle(id, "Quarterly planning"));
        yield return ("FINAL_LONG_SUMMARY", new { long_summary = "A long summary." }, new TranscriptEventMessage.FinalLongSummary(id, "A long summary."));
        yield return ("FINAL_SHORT_SUMMARY", new { short_summary = "Short." }, new TranscriptEventMessage.FinalShortSummary(id, "Short."));
        yield return ("ACTION_ITEMS", new { action_items = new { decisions = new[] { "ship it" }, next_steps = Array.Empty<string>() } },
            new TranscriptEventMessage.ActionItemsChanged(id, JsonSerializer.SerializeToElement(new { decisions = new[] { "ship it" }, next_steps = Array.Empty<string>() })));
        yield return ("DURATION", new { duration = 754.25 }, new TranscriptEventMessage.DurationChanged(id, 754.25));
        yield return ("WAVEFORM", new { waveform = new[] { 0.0, 0.5, 1.0 } }, new TranscriptEventMessage.WaveformChanged(id, [0.0, 0.5, 1.0]));
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task Every_kind_reaches_a_subscriber_typed_and_in_order(bool usesMessagePack)
    {
        await using var relay = new RelayFactory(fixture.Reflector);
        var owner = NewUser("owner");
        var transcriptId = fixture.Reflector.CreateTranscript(owner, TranscriptShareMode.Private);
        await using var tab = await TranscriptTab.OpenAsync(relay, owner, usesMessagePack);

        await tab.SubscribeAsync(transcriptId);
        await ReflectorListensAsync(transcriptId, owner);
        foreach (var (eventName, data, _) in EveryKindFor(transcriptId))
        {
            Assert.Equal(1, await fixture.Reflector.EmitTranscriptEventAsync(transcriptId, eventName, data));
        }

        foreach (var (_, _, expected) in EveryKindFor(transcriptId))
        {
            AssertSameOnTheWire(expected, await tab.NextAsync());
        }
    }

    [Fact]
    public async Task Two_tabs_of_one_user_on_one_transcript_share_one_upstream_socket()
    {
        await using var relay = new RelayFactory(fixture.Reflector);
        var owner = NewUser("owner");
        var transcriptId = fixture.Reflector.CreateTranscript(owner, TranscriptShareMode.Private);
        await using var first = await TranscriptTab.OpenAsync(relay, owner);
        await using var second = await TranscriptTab.OpenAsync(relay, owner);

        await Task.WhenAll(first.SubscribeAsync(transcriptId), second.SubscribeAsync(transcriptId));
        await ReflectorListensAsync(transcriptId, owner);
        Assert.Equal(1, await fixture.Reflector.EmitTranscriptEventAsync(transcriptId, "FINAL_TITLE", new { title = "Shared" }));

        var expected = new TranscriptEventMessage.FinalTitle(transcriptId, "Shared");
        AssertSameOnTheWire(expected, await first.NextAsync());
        AssertSameOnTheWire(expected, await second.NextAsync());
        await fixture.Reflector.WaitForTranscriptHandshakesAsync(transcriptId, 1, TestTimeouts.Default);
        Assert.Equal(1, fixture.Reflector.TranscriptHandshakes(transcriptId));
        Assert.Equal(1, fixture.Reflector.TranscriptOpenSockets(transcriptId, owner));
    }

    [Fact]
    public async Task A_late_subscriber_gets_the_history_a_socket_of_its_own_would_replay_then_the_live_events()
    {
        await using var relay = new RelayFactory(fixture.Reflector);
        var owner = NewUser("owner");
        var transcriptId = fixture.Reflector.CreateTranscript(owner, TranscriptShareMode.Private);
        await using var early = await TranscriptTab.OpenAsync(relay, owner);
        await early.SubscribeAsync(transcriptId);
        await ReflectorListensAsync(transcriptId, owner);

        await Emit(transcriptId, "TOPIC", Topic("t1", "First draft"));
        await Emit(transcriptId, "TOPIC", Topic("t2", "Second"));
        await Emit(transcriptId, "TRANSCRIPT", new { text = "live only", translation = (string?)null });
        await Emit(transcriptId, "TOPIC", Topic("t1", "First, revised"));
        await Emit(transcriptId, "STATUS", new { value = "recording" });
        await Emit(transcriptId, "WAVEFORM", new { waveform = new[] { 0.25, 0.75 } });
        // The early tab has seen all six live, so the relay's history holds all of them.
        Assert.Equal(6, (await early.NextAsync(6)).Count);

        await using var late = await TranscriptTab.OpenAsync(relay, owner);
        await late.SubscribeAsync(transcriptId);
        await Emit(transcriptId, "FINAL_TITLE", new { title = "After" });

        // Topics keep the latest version in the place of their first appearance; live text and status are not replayed.
        var seen = await late.NextAsync(4);
        AssertSameOnTheWire(TopicMessage(transcriptId, "t1", "First, revised"), seen[0]);
        AssertSameOnTheWire(TopicMessage(transcriptId, "t2", "Second"), seen[1]);
        AssertSameOnTheWire(new TranscriptEventMessage.WaveformChanged(transcriptId, [0.25, 0.75]), seen[2]);
        AssertSameOnTheWire(new TranscriptEventMessage.FinalTitle(transcriptId, "After"), seen[3]);
        AssertSameOnTheWire(new TranscriptEventMessage.FinalTitle(transcriptId, "After"), await early.NextAsync());
        Assert.Equal(1, fixture.Reflector.TranscriptHandshakes(transcriptId));
    }

    [Fact]
    public async Task After_the_upstream_drops_subscribers_get_a_resync_then_reflectors_replay_then_live_events()
    {
        await using var relay = new RelayFactory(fixture.Reflector);
        var owner = NewUser("owner");
        var transcriptId = fixture.Reflector.CreateTranscript(owner, TranscriptShareMode.Private);
        await using var tab = await TranscriptTab.OpenAsync(relay, owner);
        await tab.SubscribeAsync(transcriptId);
        await ReflectorListensAsync(transcriptId, owner);
        await Emit(transcriptId, "TOPIC", Topic("t1", "Before the drop"));
        await tab.NextAsync();

        await fixture.Reflector.DropTranscriptAsync(transcriptId);
        await fixture.Reflector.WaitForTranscriptOpenSocketsAsync(transcriptId, 1, TestTimeouts.Default);
        await Emit(transcriptId, "FINAL_TITLE", new { title = "After the drop" });

        AssertSameOnTheWire(new TranscriptEventMessage.Resync(transcriptId, ResyncReason.UpstreamReconnected), await tab.NextAsync());
        AssertSameOnTheWire(TopicMessage(transcriptId, "t1", "Before the drop"), await tab.NextAsync());
        AssertSameOnTheWire(new TranscriptEventMessage.FinalTitle(transcriptId, "After the drop"), await tab.NextAsync());

        // A subscriber arriving now gets the new socket's history once, not the old one's as well.
        await using var late = await TranscriptTab.OpenAsync(relay, owner);
        await late.SubscribeAsync(transcriptId);
        await Emit(transcriptId, "DURATION", new { duration = 1.5 });
        AssertSameOnTheWire(TopicMessage(transcriptId, "t1", "Before the drop"), await late.NextAsync());
        AssertSameOnTheWire(new TranscriptEventMessage.FinalTitle(transcriptId, "After the drop"), await late.NextAsync());
        AssertSameOnTheWire(new TranscriptEventMessage.DurationChanged(transcriptId, 1.5), await late.NextAsync());
    }

    [Theory]
    [InlineData("private of another user")]
    [InlineData("missing")]
    [InlineData("deleted")]
    public async Task A_transcript_reflector_refuses_fails_the_subscription_with_a_clear_message_and_is_not_asked_again(string situation)
    {
        await using var relay = new RelayFactory(fixture.Reflector);
        var user = NewUser("viewer");
        var transcriptId = situation switch
        {
            "private of another user" => fixture.Reflector.CreateTranscript(NewUser("owner"), TranscriptShareMode.Private),
            "missing" => "missing-" + Guid.NewGuid().ToString("N"),
            _ => fixture.Reflector.CreateTranscript(user, TranscriptShareMode.Private),
        };
        if (situation == "deleted")
        {
            fixture.Reflector.DeleteTranscript(transcriptId);
        }

        await using var tab = await TranscriptTab.OpenAsync(relay, user);
        var refused = await Assert.ThrowsAsync<HubException>(() => tab.SubscribeAsync(transcriptId));

        Assert.Contains($"Transcript '{transcriptId}' was not found or is not allowed", refused.Message, StringComparison.Ordinal);
        await TestTimeouts.Eventually(() => !relay.Upstreams.HasTranscriptStream(user, transcriptId), "the refused stream is gone");
        Assert.Equal(1, fixture.Reflector.TranscriptRefusedHandshakes(transcriptId));
        Assert.Equal(0, relay.Upstreams.TranscriptStreamCount);
        // The connection itself is unharmed, and asking again within Limits:TranscriptRefusalMemory gets the same answer
        // without asking Reflector (Security/TranscriptSubscriptionCostTests follows it past the memory).
        Assert.Equal(Microsoft.AspNetCore.SignalR.Client.HubConnectionState.Connected, tab.Client.Connection.State);
        var again = await Assert.ThrowsAsync<HubException>(() => tab.SubscribeAsync(transcriptId));
        Assert.Equal(refused.Message, again.Message);
        Assert.Equal(1, fixture.Reflector.TranscriptRefusedHandshakes(transcriptId));
    }

    [Fact]
    public async Task Another_user_never_receives_events_of_a_private_transcript_whatever_they_subscribe_to()
    {
        await using var relay = new RelayFactory(fixture.Reflector);
        var alice = NewUser("alice");
        var bob = NewUser("bob");
        var secret = fixture.Reflector.CreateTranscript(alice, TranscriptShareMode.Private);
        var shared = fixture.Reflector.CreateTranscript(alice, TranscriptShareMode.SemiPrivate);
        await using var aliceTab = await TranscriptTab.OpenAsync(relay, alice);
        await using var bobTab = await TranscriptTab.OpenAsync(relay, bob);
        await aliceTab.SubscribeAsync(secret);
        await aliceTab.SubscribeAsync(shared);
        await ReflectorListensAsync(secret, alice);
        await ReflectorListensAsync(shared, alice);

        // Alice's stream is already open in the relay; Bob still gets Reflector's answer for Bob.
        await Assert.ThrowsAsync<HubException>(() => bobTab.SubscribeAsync(secret));
        await bobTab.SubscribeAsync(shared);
        await ReflectorListensAsync(shared, bob);
        Assert.Equal(1, fixture.Reflector.TranscriptOpenSockets(shared, alice));
        Assert.Equal(1, fixture.Reflector.TranscriptOpenSockets(shared, bob));

        await Emit(secret, "FINAL_TITLE", new { title = "Alice only" });
        await Emit(shared, "FINAL_TITLE", new { title = "Everyone signed in" });

        // Two sockets, so the two transcripts' events may reach Alice in either order.
        var aliceSaw = (await aliceTab.NextAsync(2)).OrderBy(message => message.TranscriptId == secret ? 0 : 1).ToList();
        AssertSameOnTheWire(new TranscriptEventMessage.FinalTitle(secret, "Alice only"), aliceSaw[0]);
        AssertSameOnTheWire(new TranscriptEventMessage.FinalTitle(shared, "Everyone signed in"), aliceSaw[1]);
        // Bob's first and only event is the shared one; nothing of the secret transcript was queued before it.
        AssertSameOnTheWire(new TranscriptEventMessage.FinalTitle(shared, "Everyone signed in"), await bobTab.NextAsync());
        await Emit(shared, "DURATION", new { duration = 2.0 });
        AssertSameOnTheWire(new TranscriptEventMessage.DurationChanged(shared, 2.0), await bobTab.NextAsync());
        Assert.Empty(bobTab.Pending());
        Assert.Null(await bobTab.Client.NextMessageWithinAsync(TimeSpan.Zero));
    }

    [Fact]
    public async Task Unsubscribing_stops_the_events_and_the_socket_closes_after_the_linger_unless_someone_subscribes_within_it()
    {
        await using var relay = new RelayFactory(fixture.Reflector, new Dictionary<string, string?> { ["Upstream:Linger"] = "00:00:30" });
        var owner = NewUser("owner");
        var transcriptId = fixture.Reflector.CreateTranscript(owner, TranscriptShareMode.Private);
        await using var tab = await TranscriptTab.OpenAsync(relay, owner);
        await tab.SubscribeAsync(transcriptId);
        await ReflectorListensAsync(transcriptId, owner);
        await Emit(transcriptId, "TOPIC", Topic("t1", "Kept for the linger"));
        await tab.NextAsync();

        await tab.UnsubscribeAsync(transcriptId);
        await Emit(transcriptId, "FINAL_TITLE", new { title = "Not for an unsubscribed tab" });
        // A reload within the linger: the same socket, and the history including what came meanwhile.
        await using var reloaded = await TranscriptTab.OpenAsync(relay, owner);
        await reloaded.SubscribeAsync(transcriptId);
        AssertSameOnTheWire(TopicMessage(transcriptId, "t1", "Kept for the linger"), await reloaded.NextAsync());
        AssertSameOnTheWire(new TranscriptEventMessage.FinalTitle(transcriptId, "Not for an unsubscribed tab"), await reloaded.NextAsync());
        Assert.Equal(1, fixture.Reflector.TranscriptHandshakes(transcriptId));
        Assert.Empty(tab.Pending());
    }

    [Fact]
    public async Task The_last_subscriber_leaving_closes_the_socket_once_the_linger_is_over()
    {
        await using var relay = new RelayFactory(fixture.Reflector, new Dictionary<string, string?> { ["Upstream:Linger"] = "00:00:00.200" });
        var owner = NewUser("owner");
        var transcriptId = fixture.Reflector.CreateTranscript(owner, TranscriptShareMode.Private);
        var unsubscribing = await TranscriptTab.OpenAsync(relay, owner);
        await using var closing = await TranscriptTab.OpenAsync(relay, owner);
        await unsubscribing.SubscribeAsync(transcriptId);
        await closing.SubscribeAsync(transcriptId);
        await fixture.Reflector.WaitForTranscriptOpenSocketsAsync(transcriptId, 1, TestTimeouts.Default);

        await unsubscribing.UnsubscribeAsync(transcriptId);
        await unsubscribing.DisposeAsync();
        Assert.True(relay.Upstreams.HasTranscriptStream(owner, transcriptId));
        // The other tab goes away without unsubscribing: its disconnect lets go of the stream.
        await closing.Client.Connection.StopAsync();

        await fixture.Reflector.WaitForTranscriptOpenSocketsAsync(transcriptId, 0, TestTimeouts.Default);
        await TestTimeouts.Eventually(() => !relay.Upstreams.HasTranscriptStream(owner, transcriptId), "the stream is closed");
        // The user's own stream is a different one, with its own lifetime.
        Assert.Equal(1, fixture.Reflector.TranscriptHandshakes(transcriptId));
    }

    [Fact]
    public async Task A_connection_may_follow_only_as_many_transcripts_as_the_limit_allows()
    {
        await using var relay = new RelayFactory(fixture.Reflector, new Dictionary<string, string?> { ["Limits:MaxTranscriptsPerConnection"] = "2" });
        var owner = NewUser("owner");
        var ids = Enumerable.Range(0, 3).Select(_ => fixture.Reflector.CreateTranscript(owner, TranscriptShareMode.Private)).ToArray();
        await using var tab = await TranscriptTab.OpenAsync(relay, owner);
        await tab.SubscribeAsync(ids[0]);
        await tab.SubscribeAsync(ids[1]);
        // Subscribing again to one it has is not another subscription.
        await tab.SubscribeAsync(ids[1]);

        var refused = await Assert.ThrowsAsync<HubException>(() => tab.SubscribeAsync(ids[2]));
        Assert.Contains("Limits:MaxTranscriptsPerConnection", refused.Message, StringComparison.Ordinal);
        Assert.Equal(0, fixture.Reflector.TranscriptHandshakes(ids[2]));

        await tab.UnsubscribeAsync(ids[0]);
        await tab.SubscribeAsync(ids[2]);
        await fixture.Reflector.WaitForTranscriptHandshakesAsync(ids[2], 1, TestTimeouts.Default);
    }

    [Theory]
    [InlineData("")]
    [InlineData("   ")]
    public async Task A_subscription_without_a_transcript_id_fails_clearly(string transcriptId)
    {
        await using var relay = new RelayFactory(fixture.Reflector);
        await using var tab = await TranscriptTab.OpenAsync(relay, NewUser("user"));
        var refused = await Assert.ThrowsAsync<HubException>(() => tab.SubscribeAsync(transcriptId));
        Assert.Contains("transcript id is required", refused.Message, StringComparison.Ordinal);
    }

    /// <summary>
    /// Reflector sends live events only to sockets it has registered, which it does a moment after answering the
    /// handshake (the relay may be told its subscription is done first): events emitted before that are lost, as
    /// they would be to any client. Tests emit once Reflector listens.
    /// </summary>
    private Task ReflectorListensAsync(string transcriptId, string userId) =>
        fixture.Reflector.WaitForTranscriptOpenSocketsAsync(transcriptId, userId, 1, TestTimeouts.Default);

    private Task<int> Emit(string transcriptId, string eventName, object data) =>
        fixture.Reflector.EmitTranscriptEventAsync(transcriptId, eventName, data);

    private static object Topic(string id, string title) => new
    {
        id, title, summary = "s", timestamp = 1.0, duration = (double?)null, transcript = "words",
        segments = new[] { new { text = "words", start = 1.0, speaker = 0 } },
    };

    private static TranscriptEventMessage.TopicUpdated TopicMessage(string transcriptId, string id, string title) =>
        new(transcriptId, id, title, "s", 1.0, null, "words", [new TopicSegment("words", 1.0, 0)]);

    private static string NewUser(string role) => $"{role}-{Guid.NewGuid():N}";

    /// <summary>Compares as the browser would see them: the contract's JSON form (records with lists compare by reference).</summary>
    private static void AssertSameOnTheWire(TranscriptEventMessage expected, TranscriptEventMessage actual) =>
        Assert.Equal(JsonSerializer.Serialize(expected, Wire), JsonSerializer.Serialize(actual, Wire));
}
