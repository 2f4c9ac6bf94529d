using Microsoft.Playwright;
using Reflector.Relay.FunctionalTests.Infrastructure;
using Reflector.Simulator;
using Reflector.Relay.FunctionalTests.Demo;

namespace Reflector.Relay.FunctionalTests.Browser;

/// <summary>
/// The demo page's live transcript view: the TypeScript client's <c>subscribeTranscript</c> in Chromium, against a
/// real relay following the simulated Reflector's per-transcript endpoint.
/// </summary>
[Collection(BrowserTests.Name)]
public sealed class LiveTranscriptPageTests(ChromiumFixture chromium, ReflectorFixture fixture)
{
    [Fact]
    public async Task Live_view_shows_history_then_each_kind_of_event_as_Reflector_emits_it()
    {
        await using var relay = DemoRelay.Start(fixture.Reflector);
        await using var context = await chromium.NewContextAsync();
        var user = DemoRelay.NewUser("alice");
        var transcriptId = fixture.Reflector.CreateTranscript(user, TranscriptShareMode.Private);
        await fixture.Reflector.EmitTranscriptEventAsync(transcriptId, "TOPIC", Topic("topic-1", "Opening remarks", 0));

        var tab = await DemoTab.OpenAsync(context, relay.BaseAddress, user);
        await tab.OpenTranscriptAsync(transcriptId);

        // Reflector's replay reaches the page first.
        await Assertions.Expect(tab.LiveTopics).ToHaveCountAsync(1);
        await Assertions.Expect(tab.LiveTopics.First).ToContainTextAsync("Opening remarks");

        // A topic's update replaces it in place; a new topic comes after it.
        await fixture.Reflector.EmitTranscriptEventAsync(transcriptId, "TOPIC", Topic("topic-1", "Opening remarks, revised", 0));
        await fixture.Reflector.EmitTranscriptEventAsync(transcriptId, "TOPIC", Topic("topic-2", "Release schedule", 42));
        await Assertions.Expect(tab.LiveTopics).ToHaveCountAsync(2);
        await Assertions.Expect(tab.LiveTopics.Nth(0)).ToContainTextAsync("Opening remarks, revised");
        await Assertions.Expect(tab.LiveTopics.Nth(0)).ToHaveAttributeAsync("data-topic-id", "topic-1");
        await Assertions.Expect(tab.LiveTopics.Nth(1)).ToContainTextAsync("Release schedule");

        var waveform = Enumerable.Range(0, 255).Select(i => Math.Round(Math.Abs(Math.Sin(i / 10.0)), 3)).ToArray();
        await fixture.Reflector.EmitTranscriptEventAsync(transcriptId, "WAVEFORM", new { waveform });
        await Assertions.Expect(tab.Page.Locator("#live-waveform")).ToHaveAttributeAsync("data-points", "255");
        await Assertions.Expect(tab.Page.Locator("#live-waveform path")).ToHaveCountAsync(1);

        await fixture.Reflector.EmitTranscriptEventAsync(transcriptId, "STATUS", new { value = "recording" });
        await Assertions.Expect(tab.Page.Locator("#live-status")).ToHaveTextAsync("recording");
        await fixture.Reflector.EmitTranscriptEventAsync(transcriptId, "TRANSCRIPT", new { text = "Can everyone see my screen?", translation = (string?)null });
        await Assertions.Expect(tab.Page.Locator("#live-text")).ToHaveTextAsync("Can everyone see my screen?");
        await fixture.Reflector.EmitTranscriptEventAsync(transcriptId, "DURATION", new { duration = 125.4 });
        await Assertions.Expect(tab.Page.Locator("#live-duration")).ToHaveTextAsync("2:05");

        await fixture.Reflector.EmitTranscriptEventAsync(transcriptId, "FINAL_TITLE", new { title = "Weekly product sync" });
        await fixture.Reflector.EmitTranscriptEventAsync(transcriptId, "FINAL_SHORT_SUMMARY", new { short_summary = "Schedule agreed." });
        await fixture.Reflector.EmitTranscriptEventAsync(transcriptId, "FINAL_LONG_SUMMARY", new { long_summary = "The team agreed on the release schedule." });
        await fixture.Reflector.EmitTranscriptEventAsync(transcriptId, "ACTION_ITEMS", new { action_items = new { decisions = new[] { "Ship the settings page first" } } });
        await fixture.Reflector.EmitTranscriptEventAsync(transcriptId, "STATUS", new { value = "ended" });
        await Assertions.Expect(tab.Page.Locator("#live-title")).ToHaveTextAsync("Weekly product sync");
        await Assertions.Expect(tab.Page.Locator("#live-short-summary")).ToHaveTextAsync("Schedule agreed.");
        await Assertions.Expect(tab.Page.Locator("#live-long-summary")).ToHaveTextAsync("The team agreed on the release schedule.");
        await Assertions.Expect(tab.Page.Locator("#live-action-items")).ToContainTextAsync("Ship the settings page first");
        await Assertions.Expect(tab.Page.Locator("#live-status")).ToHaveTextAsync("ended");

        Assert.Equal(
            ["topic", "topic", "topic", "waveform", "status", "transcript", "duration", "finalTitle", "finalShortSummary", "finalLongSummary", "actionItems", "status"],
            (await tab.TranscriptEventsAsync()).Select(e => e.GetProperty("type").GetString()));
        await SaveScreenshotAsync(tab);

        // Closing the view lets go of the stream: the relay's socket to the transcript closes after the linger.
        await tab.Page.ClickAsync("#live-close");
        await fixture.Reflector.WaitForTranscriptOpenSocketsAsync(transcriptId, user, 0, TestTimeouts.Default);
        await Assertions.Expect(tab.Page.Locator("#live-view")).ToBeHiddenAsync();
    }

    [Fact]
    public async Task Two_tabs_of_one_user_on_one_transcript_share_one_upstream_socket_and_see_the_same_events()
    {
        await using var relay = DemoRelay.Start(fixture.Reflector);
        await using var context = await chromium.NewContextAsync();
        var user = DemoRelay.NewUser("bob");
        var first = await DemoTab.OpenAsync(context, relay.BaseAddress, user);
        var second = await DemoTab.OpenAsync(context, relay.BaseAddress, user);

        // The page's own button creates a transcript on the simulated Reflector and follows it.
        await first.Page.ClickAsync("#live-create");
        await first.WaitUntilAsync("d.live.subscribed");
        var transcriptId = await first.ReadAsync<string>("d.live.transcriptId");

        // The sample meeting goes through the relay's forwarding of the simulator's helpers.
        await first.Page.ClickAsync("[data-live-emit=sample]");
        await Assertions.Expect(first.Page.Locator("#live-status")).ToHaveTextAsync("ended");
        await Assertions.Expect(first.LiveTopics).ToHaveCountAsync(3);
        await Assertions.Expect(first.Page.Locator("#live-title")).ToHaveTextAsync("Weekly product sync");

        // The second tab joins the stream the relay already holds: the relay's history, no second handshake.
        await second.OpenTranscriptAsync(transcriptId);
        await Assertions.Expect(second.LiveTopics).ToHaveCountAsync(3);
        await Assertions.Expect(second.Page.Locator("#live-title")).ToHaveTextAsync("Weekly product sync");
        Assert.Equal(1, fixture.Reflector.TranscriptOpenSockets(transcriptId, user));
        Assert.Equal(1, fixture.Reflector.TranscriptHandshakes(transcriptId));

        // A live event reaches both tabs, once each.
        await fixture.Reflector.EmitTranscriptEventAsync(transcriptId, "TOPIC", Topic("late-topic", "Open questions", 300));
        await Assertions.Expect(first.LiveTopics).ToHaveCountAsync(4);
        await Assertions.Expect(second.LiveTopics).ToHaveCountAsync(4);
        await Assertions.Expect(second.LiveTopics.Last).ToContainTextAsync("Open questions");
        Assert.Equal(1, fixture.Reflector.TranscriptOpenSockets(transcriptId, user));

        // One tab closing keeps the socket for the other.
        await second.Page.ClickAsync("#live-close");
        await fixture.Reflector.EmitTranscriptEventAsync(transcriptId, "FINAL_TITLE", new { title = "Renamed while one tab follows" });
        await Assertions.Expect(first.Page.Locator("#live-title")).ToHaveTextAsync("Renamed while one tab follows");
        Assert.Equal(1, fixture.Reflector.TranscriptOpenSockets(transcriptId, user));
        Assert.Equal(1, fixture.Reflector.TranscriptHandshakes(transcriptId));
    }

    [Fact]
    public async Task A_public_transcripts_share_link_follows_it_without_signing_in()
    {
        await using var relay = DemoRelay.Start(fixture.Reflector);
        await using var context = await chromium.NewContextAsync();
        var owner = await DemoTab.OpenAsync(context, relay.BaseAddress, DemoRelay.NewUser("carol"));
        await owner.Page.ClickAsync("#live-create-public");
        await owner.WaitUntilAsync("d.live.subscribed");
        var transcriptId = await owner.ReadAsync<string>("d.live.transcriptId");
        var shareLink = await owner.Page.Locator("#live-share").GetAttributeAsync("href");
        Assert.NotNull(shareLink);

        // Someone without an account opens the link in a browser of their own: no token, no cookie, no user.
        await using var stranger = await chromium.NewContextAsync();
        var viewer = new DemoTab(await stranger.NewPageAsync());
        var errors = new List<string>();
        viewer.Page.PageError += (_, error) => errors.Add(error);
        var requests = new List<string>();
        viewer.Page.Request += (_, request) => requests.Add(request.Url);
        await viewer.Page.GotoAsync(new Uri(new Uri(relay.BaseAddress, "/demo/"), shareLink).ToString());
        await viewer.WaitUntilAsync("d.live.subscribed");
        await viewer.WaitForBadgeAsync("live");

        await fixture.Reflector.EmitTranscriptEventAsync(transcriptId, "TOPIC", Topic("public-topic", "Open to all", 0));
        await Assertions.Expect(viewer.LiveTopics).ToHaveCountAsync(1);
        await Assertions.Expect(viewer.LiveTopics.First).ToContainTextAsync("Open to all");
        await Assertions.Expect(owner.LiveTopics).ToHaveCountAsync(1);

        // One tokenless socket for the viewer, beside the owner's own; the viewer's page never sent a token.
        Assert.Equal(1, fixture.Reflector.TranscriptOpenSockets(transcriptId, user: null));
        Assert.DoesNotContain(requests, url => url.Contains("access_token", StringComparison.Ordinal));
        Assert.Empty(errors);
    }

    [Fact]
    public async Task Refused_transcript_shows_the_relays_message_and_the_page_stays_live()
    {
        await using var relay = DemoRelay.Start(fixture.Reflector);
        await using var context = await chromium.NewContextAsync();
        var user = DemoRelay.NewUser("carol");
        var someoneElses = fixture.Reflector.CreateTranscript(DemoRelay.NewUser("dave"), TranscriptShareMode.Private);
        var tab = await DemoTab.OpenAsync(context, relay.BaseAddress, user);

        await tab.OpenTranscriptAsync(someoneElses);
        await Assertions.Expect(tab.LiveError).ToBeVisibleAsync();
        await Assertions.Expect(tab.LiveError).ToHaveTextAsync($"Transcript '{someoneElses}' was not found or is not allowed.");
        await Assertions.Expect(tab.Page.Locator("#live-view")).ToBeHiddenAsync();

        await tab.OpenTranscriptAsync("no-such-transcript");
        await Assertions.Expect(tab.LiveError).ToHaveTextAsync("Transcript 'no-such-transcript' was not found or is not allowed.");
        Assert.Equal(0, fixture.Reflector.TranscriptOpenSockets(someoneElses));

        // The connection is unharmed: the user's own transcript opens on it.
        var own = fixture.Reflector.CreateTranscript(user, TranscriptShareMode.Private);
        await tab.OpenTranscriptAsync(own);
        await Assertions.Expect(tab.LiveError).ToBeHiddenAsync();
        await fixture.Reflector.EmitTranscriptEventAsync(own, "FINAL_TITLE", new { title = "Mine" });
        await Assertions.Expect(tab.Page.Locator("#live-title")).ToHaveTextAsync("Mine");
        await tab.WaitForBadgeAsync("live");
    }

    [Fact]
    public async Task Full_reconnect_to_the_relay_resubscribes_with_a_client_side_resync_then_the_history()
    {
        await using var relay = DemoRelay.Start(fixture.Reflector);
        await using var proxy = new SeveringProxy(relay.BaseAddress);
        await using var context = await chromium.NewContextAsync();
        var user = DemoRelay.NewUser("erin");
        var transcriptId = fixture.Reflector.CreateTranscript(user, TranscriptShareMode.Private);
        var tab = await DemoTab.OpenAsync(context, proxy.BaseAddress, user);
        await tab.OpenTranscriptAsync(transcriptId);
        await fixture.Reflector.EmitTranscriptEventAsync(transcriptId, "TOPIC", Topic("before", "Before the cut", 0));
        await Assertions.Expect(tab.LiveTopics).ToHaveCountAsync(1);
        var connectionId = await tab.ReadAsync<string>("d.connection.connectionId");

        // The connection is lost for good; a topic found meanwhile goes to no tab.
        proxy.Refusing = true;
        proxy.SeverAll();
        await tab.WaitForBadgeAsync("reconnecting");
        await fixture.Reflector.EmitTranscriptEventAsync(transcriptId, "TOPIC", Topic("while-away", "While away", 60));
        proxy.Refusing = false;

        // The client subscribes again by itself: a resync first, then the history with both topics.
        await tab.WaitForBadgeAsync("live");
        await Assertions.Expect(tab.LiveTopics).ToHaveCountAsync(2);
        await Assertions.Expect(tab.LiveTopics.Last).ToContainTextAsync("While away");
        Assert.NotEqual(connectionId, await tab.ReadAsync<string>("d.connection.connectionId"));
        var kinds = (await tab.TranscriptEventsAsync())
            .Select(e => e.GetProperty("type").GetString() == "resync" ? "resync:" + e.GetProperty("reason").GetString() : e.GetProperty("type").GetString())
            .ToList();
        Assert.Equal(["topic", "resync:clientReconnected"], kinds.Take(2));
        Assert.Equal(2, kinds.Skip(2).Count(kind => kind == "topic"));

        // And it follows live events on the new connection.
        await fixture.Reflector.EmitTranscriptEventAsync(transcriptId, "FINAL_TITLE", new { title = "After the reconnect" });
        await Assertions.Expect(tab.Page.Locator("#live-title")).ToHaveTextAsync("After the reconnect");
    }

    private static object Topic(string id, string title, double timestamp) => new
    {
        id,
        title,
        summary = $"What was said about {title}.",
        timestamp,
        duration = 30.0,
        transcript = "Let's start with the numbers from last week.",
        segments = new[] { new { text = "Let's start with the numbers from last week.", start = timestamp, speaker = 0 } },
    };

    private static async Task SaveScreenshotAsync(DemoTab tab)
    {
        var path = Path.Combine(Repository.Root, "TestResults", "demo-live-transcript.png");
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        await tab.Page.ScreenshotAsync(new PageScreenshotOptions { Path = path, FullPage = true }).DefaultTimeout();
    }
}
