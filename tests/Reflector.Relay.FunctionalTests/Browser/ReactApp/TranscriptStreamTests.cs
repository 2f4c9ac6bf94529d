using System.Text.Json;
using Microsoft.Playwright;
using Reflector.Relay.FunctionalTests.Infrastructure;
using Reflector.Simulator;
using static Reflector.Relay.FunctionalTests.Browser.ReactApp.FakeReflectorApi;
using static Reflector.Relay.FunctionalTests.Browser.ReactApp.RequestLedger;
using Reflector.Relay.FunctionalTests.Demo;

namespace Reflector.Relay.FunctionalTests.Browser.ReactApp;

/// <summary>
/// <c>useTranscriptStream</c> in the React test app's live view, following a transcript of the simulated Reflector
/// through a real relay: what it renders from each event, and exactly which of the page's queries each event refetches.
/// </summary>
[Collection(BrowserTests.Name)]
public sealed class TranscriptStreamTests(ChromiumFixture chromium, ReflectorFixture fixture)
{
    [Fact]
    public async Task Live_view_renders_a_simulated_meeting_and_each_event_refetches_what_Reflectors_page_refetches()
    {
        await using var api = await FakeReflectorApi.StartAsync(await ClientPackages.TestAppAsync(), fixture.Reflector);
        await using var relay = ReactRelay.Start(fixture.Reflector, api);
        await using var context = await chromium.NewContextAsync();
        var user = DemoRelay.NewUser("erin");
        var id = fixture.Reflector.CreateTranscript(user, TranscriptShareMode.Private);
        api.PutTranscript(id, "Untitled meeting", "idle");
        await fixture.Reflector.EmitTranscriptEventAsync(id, "TOPIC", Topic("topic-1", "Opening remarks", 0, "Welcome everyone."));

        var tab = await ReactAppTab.OpenAsync(context, api, relay.BaseAddress, user, $"&live={id}");
        var live = tab.Page.Locator("#live");
        var topics = tab.Page.Locator("#live-topics li");
        await Assertions.Expect(live).ToHaveAttributeAsync("data-subscribed", "true");
        // Reflector's replay first.
        await Assertions.Expect(topics).ToHaveCountAsync(1);
        await tab.WaitUntilSettledAsync();
        ReactAppTab[] tabs = [tab];

        // Live text: trimmed, blank ignored, shown paced, accumulated.
        await Emit(id, "TRANSCRIPT", new { text = "   ", translation = (string?)null });
        await Emit(id, "TRANSCRIPT", new { text = "  Can everyone see my screen? ", translation = " ¿Todos ven mi pantalla? " });
        await Emit(id, "TRANSCRIPT", new { text = "Yes we can", translation = (string?)null });
        await Assertions.Expect(tab.Page.Locator("#live-accumulated")).ToHaveTextAsync("Can everyone see my screen? Yes we can");
        await tab.WaitUntilAsync("t.liveLines.length === 2");
        Assert.Equal(["Can everyone see my screen?", "Yes we can"], await tab.ReadAsync<string[]>("t.liveLines"));
        await Assertions.Expect(tab.Page.Locator("#live-text")).ToHaveTextAsync("Yes we can");

        // A new topic: appended, its text taken off the accumulated text, the topics refetched (and, the stream being
        // in order, nothing for the live text before it).
        await ExpectRequestsAsync(api, tabs, () => Emit(id, "TOPIC", Topic("topic-2", "Screen sharing", 30, "Can everyone see my screen?")), TopicsPath(id));
        await Assertions.Expect(topics).ToHaveCountAsync(2);
        await Assertions.Expect(tab.Page.Locator("#live-accumulated")).ToHaveTextAsync("Yes we can");

        // An update of the first topic replaces it where it is, and the list renders it.
        await ExpectRequestsAsync(api, tabs, () => Emit(id, "TOPIC", Topic("topic-1", "Opening remarks, revised", 0, "Welcome everyone.")), TopicsPath(id));
        await Assertions.Expect(topics).ToHaveCountAsync(2);
        await Assertions.Expect(topics.Nth(0)).ToHaveAttributeAsync("data-topic-id", "topic-1");
        await Assertions.Expect(topics.Nth(0)).ToContainTextAsync("Opening remarks, revised");
        await Assertions.Expect(topics.Nth(1)).ToContainTextAsync("Screen sharing");

        await ExpectRequestsAsync(api, tabs, () => Emit(id, "FINAL_TITLE", new { title = "Weekly product sync" }), TranscriptPath(id));
        await Assertions.Expect(tab.Page.Locator("#live-title")).ToHaveTextAsync("Weekly product sync");

        var waveform = Enumerable.Range(0, 255).Select(i => Math.Round(Math.Abs(Math.Sin(i / 10.0)), 3)).ToArray();
        await ExpectRequestsAsync(api, tabs, () => Emit(id, "WAVEFORM", new { waveform }), WaveformPath(id));
        await Assertions.Expect(tab.Page.Locator("#live-waveform")).ToHaveAttributeAsync("data-points", "255");

        // Duration and the short summary refetch nothing; the long summary becomes the final summary and refetches
        // the transcript.
        await ExpectRequestsAsync(api, tabs, async () =>
        {
            await Emit(id, "DURATION", new { duration = 125.4 });
            await Emit(id, "FINAL_SHORT_SUMMARY", new { short_summary = "Schedule agreed." });
            await Emit(id, "FINAL_LONG_SUMMARY", new { long_summary = "The team agreed on the release schedule." });
        }, TranscriptPath(id));
        await Assertions.Expect(tab.Page.Locator("#live-duration")).ToHaveTextAsync("2:05");
        await Assertions.Expect(tab.Page.Locator("#live-summary")).ToHaveTextAsync("The team agreed on the release schedule.");

        await ExpectRequestsAsync(api, tabs, () => Emit(id, "ACTION_ITEMS", new { action_items = new { decisions = new[] { "Ship the settings page first" } } }), TranscriptPath(id));

        await ExpectRequestsAsync(api, tabs, () => Emit(id, "STATUS", new { value = "recording" }), TranscriptPath(id));
        await Assertions.Expect(tab.Page.Locator("#live-status")).ToHaveTextAsync("recording");
        Assert.Empty(await tab.ReadAsync<string[]>("t.toasts"));

        // `error` is the page's toast.
        await ExpectRequestsAsync(api, tabs, () => Emit(id, "STATUS", new { value = "error" }), TranscriptPath(id));
        await Assertions.Expect(tab.Page.Locator(".toast")).ToHaveTextAsync("This meeting could not be processed.");

        // `ended` lets go of the stream: the relay closes its socket to the transcript, and later events reach no one.
        await ExpectRequestsAsync(api, tabs, () => Emit(id, "STATUS", new { value = "ended" }), TranscriptPath(id));
        await Assertions.Expect(tab.Page.Locator("#live-status")).ToHaveTextAsync("ended");
        await Assertions.Expect(live).ToHaveAttributeAsync("data-subscribed", "false");
        await fixture.Reflector.WaitForTranscriptOpenSocketsAsync(id, user, 0, TestTimeouts.Default);
        Assert.Equal(0, await Emit(id, "FINAL_TITLE", new { title = "After the end" }));
        await Assertions.Expect(tab.Page.Locator("#live-title")).ToHaveTextAsync("Weekly product sync");

        Assert.Equal(1, fixture.Reflector.TranscriptHandshakes(id));
        Assert.Empty(tab.Errors);
        await tab.SaveScreenshotAsync("react-app-live-transcript.png");
    }

    [Fact]
    public async Task After_a_full_reconnect_the_stream_is_followed_again_and_what_was_missed_is_refetched_and_replayed()
    {
        await using var api = await FakeReflectorApi.StartAsync(await ClientPackages.TestAppAsync(), fixture.Reflector);
        await using var relay = ReactRelay.Start(fixture.Reflector, api);
        await using var proxy = new SeveringProxy(relay.BaseAddress);
        await using var context = await chromium.NewContextAsync();
        var user = DemoRelay.NewUser("ivan");
        var id = fixture.Reflector.CreateTranscript(user, TranscriptShareMode.Private);
        api.PutTranscript(id, "Untitled meeting", "idle");
        await fixture.Reflector.EmitTranscriptEventAsync(id, "TOPIC", Topic("before", "Before the cut", 0, "Hello."));
        var tab = await ReactAppTab.OpenAsync(context, api, proxy.BaseAddress, user, $"&live={id}");
        var topics = tab.Page.Locator("#live-topics li");
        await Assertions.Expect(topics).ToHaveCountAsync(1);
        await tab.WaitUntilSettledAsync();
        var before = api.Requests();

        // The tab loses the relay for good; a topic is found meanwhile.
        proxy.Refusing = true;
        proxy.SeverAll();
        await tab.WaitForPhaseAsync("reconnecting");
        await Assertions.Expect(tab.Page.Locator("#live")).ToHaveAttributeAsync("data-subscribed", "true");
        await Emit(id, "TOPIC", Topic("while-away", "While away", 60, "Anyone there?"));
        proxy.Refusing = false;

        // Back on a new connection: followed again without the page doing anything, the relay's history brings the
        // missed topic, and the page's queries about the transcript are refetched.
        await tab.WaitForPhaseAsync("live");
        await Assertions.Expect(topics).ToHaveCountAsync(2);
        await Assertions.Expect(topics.Nth(1)).ToContainTextAsync("While away");
        await tab.WaitUntilSettledAsync();
        var after = api.Requests();
        foreach (var path in new[] { SearchPath, TranscriptPath(id), TopicsPath(id), WaveformPath(id) })
        {
            Assert.True(after[path] > before[path], $"{path} was not refetched after the reconnect.");
        }

        // And live events flow on the new connection.
        await ExpectRequestsAsync(api, [tab], () => Emit(id, "FINAL_TITLE", new { title = "After the reconnect" }), TranscriptPath(id));
        await Assertions.Expect(tab.Page.Locator("#live-title")).ToHaveTextAsync("After the reconnect");
        Assert.Empty(tab.Errors);
    }

    [Fact]
    public async Task Signed_out_with_anonymous_on_the_page_follows_a_public_transcript_and_moves_to_the_users_connection_at_sign_in()
    {
        await using var api = await FakeReflectorApi.StartAsync(await ClientPackages.TestAppAsync(), fixture.Reflector);
        await using var relay = ReactRelay.Start(fixture.Reflector, api, anonymousViewers: true);
        await using var context = await chromium.NewContextAsync();
        var viewer = DemoRelay.NewUser("judy");
        var id = fixture.Reflector.CreateTranscript(DemoRelay.NewUser("kim"), TranscriptShareMode.Public);
        api.PutTranscript(id, "Town hall", "idle");
        await fixture.Reflector.EmitTranscriptEventAsync(id, "TOPIC", Topic("opening", "Opening", 0, "Welcome."));

        // Nobody signed in: an anonymous viewer's connection, following the public transcript through a socket that
        // offers Reflector no token. Live updates of a user are off.
        var tab = await ReactAppTab.OpenAsync(context, api, relay.BaseAddress, user: null, $"&anonymous=1&live={id}");
        var live = tab.Page.Locator("#live");
        var topics = tab.Page.Locator("#live-topics li");
        await Assertions.Expect(live).ToHaveAttributeAsync("data-subscribed", "true");
        await Assertions.Expect(topics).ToHaveCountAsync(1);
        await Assertions.Expect(tab.Phase).ToHaveAttributeAsync("data-anonymous", "true");
        await Assertions.Expect(tab.Phase).ToHaveAttributeAsync("data-phase", "off");
        Assert.Equal(1, fixture.Reflector.TranscriptOpenSockets(id, null));
        await Emit(id, "FINAL_TITLE", new { title = "Town hall, live" });
        await Assertions.Expect(tab.Page.Locator("#live-title")).ToHaveTextAsync("Town hall, live");

        // Signing in replaces it with the user's connection; the page follows the transcript there, as the user.
        await tab.Page.FillAsync("#user", viewer);
        await tab.Page.ClickAsync("#sign-in");
        await tab.WaitForPhaseAsync("live");
        await Assertions.Expect(tab.Phase).ToHaveAttributeAsync("data-anonymous", "false");
        await fixture.Reflector.WaitForTranscriptOpenSocketsAsync(id, viewer, 1, TestTimeouts.Default);
        await fixture.Reflector.WaitForTranscriptOpenSocketsAsync(id, null, 0, TestTimeouts.Default);
        await Assertions.Expect(live).ToHaveAttributeAsync("data-subscribed", "true");
        await Emit(id, "TOPIC", Topic("questions", "Questions", 60, "Any questions?"));
        await Assertions.Expect(topics).ToHaveCountAsync(2);

        // Signing out goes back to an anonymous viewer's connection.
        await tab.Page.ClickAsync("#sign-out");
        await Assertions.Expect(tab.Phase).ToHaveAttributeAsync("data-anonymous", "true");
        await fixture.Reflector.WaitForTranscriptOpenSocketsAsync(id, null, 1, TestTimeouts.Default);
        await fixture.Reflector.WaitForOpenSocketsAsync(viewer, 0, TestTimeouts.Default);
        await Emit(id, "FINAL_TITLE", new { title = "Town hall, after sign-out" });
        await Assertions.Expect(tab.Page.Locator("#live-title")).ToHaveTextAsync("Town hall, after sign-out");
        Assert.Equal(1, fixture.Reflector.Handshakes(viewer));
        Assert.Empty(tab.Errors);
    }

    [Fact]
    public async Task Refused_transcript_is_an_error_value_on_the_page_and_the_connection_stays_live()
    {
        await using var api = await FakeReflectorApi.StartAsync(await ClientPackages.TestAppAsync(), fixture.Reflector);
        await using var relay = ReactRelay.Start(fixture.Reflector, api);
        await using var context = await chromium.NewContextAsync();
        var user = DemoRelay.NewUser("frank");
        var someoneElses = fixture.Reflector.CreateTranscript(DemoRelay.NewUser("grace"), TranscriptShareMode.Private);
        api.PutTranscript("t-a", "Weekly product sync");

        var tab = await ReactAppTab.OpenAsync(context, api, relay.BaseAddress, user, $"&live={someoneElses}&open=t-a");
        await Assertions.Expect(tab.Page.Locator("#live-error")).ToHaveTextAsync($"Transcript '{someoneElses}' was not found or is not allowed.");
        Assert.Equal(0, fixture.Reflector.TranscriptOpenSockets(someoneElses));

        // Nothing was thrown, and the user's events still arrive on the same connection.
        await tab.WaitUntilSettledAsync();
        await ExpectRequestsAsync(api, [tab], () => fixture.Reflector.EmitAsync(user, "TRANSCRIPT_STATUS", new { id = "t-a", value = "ended" }), SearchPath, TranscriptPath("t-a"));
        await tab.WaitForPhaseAsync("live");
        Assert.Equal(1, fixture.Reflector.Handshakes(user));
        Assert.Empty(tab.Errors);
    }

    private Task<int> Emit(string transcriptId, string name, object data) => fixture.Reflector.EmitTranscriptEventAsync(transcriptId, name, data);

    private static object Topic(string id, string title, double timestamp, string transcript) => new
    {
        id,
        title,
        summary = $"What was said about {title}.",
        timestamp,
        duration = 30.0,
        transcript,
        segments = new[] { new { text = transcript, start = timestamp, speaker = 0 } },
    };
}
