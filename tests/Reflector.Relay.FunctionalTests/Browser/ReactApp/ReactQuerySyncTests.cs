using Microsoft.Playwright;
using Reflector.Relay.FunctionalTests.Infrastructure;
using static Reflector.Relay.FunctionalTests.Browser.ReactApp.FakeReflectorApi;
using static Reflector.Relay.FunctionalTests.Browser.ReactApp.RequestLedger;
using Reflector.Relay.FunctionalTests.Demo;

namespace Reflector.Relay.FunctionalTests.Browser.ReactApp;

/// <summary>
/// @reflector/relay-react in a React app in Chromium: <c>RelayProvider</c> tied to the auth state and
/// <c>ReflectorQuerySync</c> on Reflector's query keys (the app reads its API through openapi-react-query, as Reflector
/// does), against a real relay and the simulated Reflector. The app's REST API counts every request.
/// </summary>
[Collection(BrowserTests.Name)]
public sealed class ReactQuerySyncTests(ChromiumFixture chromium, ReflectorFixture fixture)
{
    [Fact]
    public async Task Each_user_event_refetches_the_transcript_lists_and_that_transcript_and_nothing_else()
    {
        await using var api = await StartApiAsync();
        await using var relay = ReactRelay.Start(fixture.Reflector, api);
        await using var context = await chromium.NewContextAsync();
        var user = DemoRelay.NewUser("alice");
        api.PutTranscript("t-a", "Weekly product sync");
        api.PutTranscript("t-b", "Quarterly planning");
        var tab = await ReactAppTab.OpenAsync(context, api, relay.BaseAddress, user, "&open=t-a,t-b");
        await tab.WaitUntilSettledAsync();

        // On load: the list, and each open transcript with its topics, waveform and participants. (How often is React
        // Query's business: StrictMode mounts twice in development, and a first fetch may be cancelled.)
        Assert.Equal(
            new[] { SearchPath }.Concat(TranscriptPaths("t-a")).Concat(TranscriptPaths("t-b")).Order(StringComparer.Ordinal),
            api.Requests().Keys.Order(StringComparer.Ordinal));

        // Each of Reflector's six user events: the lists and that transcript, as UserEventsProvider does; never its
        // topics, waveform or participants, never the other transcript.
        (string Event, object Data)[] events =
        [
            ("TRANSCRIPT_CREATED", new { id = "t-a" }),
            ("TRANSCRIPT_DELETED", new { id = "t-a" }),
            ("TRANSCRIPT_RESTORED", new { id = "t-a" }),
            ("TRANSCRIPT_STATUS", new { id = "t-a", value = "processing" }),
            ("TRANSCRIPT_FINAL_TITLE", new { id = "t-a", title = "Weekly product sync, renamed" }),
            ("TRANSCRIPT_DURATION", new { id = "t-a", duration = 312.5 }),
        ];
        foreach (var (name, data) in events)
        {
            await ExpectRequestsAsync(api, [tab], () => fixture.Reflector.EmitAsync(user, name, data), SearchPath, TranscriptPath("t-a"));
        }

        // The other open transcript, alone; a transcript nobody shows costs the list only.
        await ExpectRequestsAsync(api, [tab], () => fixture.Reflector.EmitAsync(user, "TRANSCRIPT_STATUS", new { id = "t-b", value = "ended" }), SearchPath, TranscriptPath("t-b"));
        await ExpectRequestsAsync(api, [tab], () => fixture.Reflector.EmitAsync(user, "TRANSCRIPT_CREATED", new { id = "t-new" }), SearchPath);

        // useUserEvents saw each message, typed.
        Assert.Equal(
            ["transcriptCreated", "transcriptDeleted", "transcriptRestored", "transcriptStatusChanged", "transcriptTitleChanged", "transcriptDurationChanged", "transcriptStatusChanged", "transcriptCreated"],
            (await tab.EventsAsync()).Select(message => message.GetProperty("type").GetString()));
        Assert.Empty(tab.Errors);
        await tab.SaveScreenshotAsync("react-app.png");
    }

    [Fact]
    public async Task Resync_refetches_the_lists_and_every_cached_transcript_with_its_topics_waveform_and_participants()
    {
        await using var api = await StartApiAsync();
        await using var relay = ReactRelay.Start(fixture.Reflector, api);
        await using var proxy = new SeveringProxy(relay.BaseAddress);
        await using var context = await chromium.NewContextAsync();
        var user = DemoRelay.NewUser("bob");
        api.PutTranscript("t-a", "Weekly product sync");
        api.PutTranscript("t-b", "Quarterly planning");
        var tab = await ReactAppTab.OpenAsync(context, api, proxy.BaseAddress, user, "&open=t-a,t-b");
        await tab.WaitUntilSettledAsync();
        string[] everything = [SearchPath, .. TranscriptPaths("t-a"), .. TranscriptPaths("t-b")];

        // The relay lost Reflector: its resync (upstreamReconnected) refetches all of it, once.
        await ExpectRequestsAsync(api, [tab], () => fixture.Reflector.DropAllAsync(), everything);
        var resync = Assert.Single(await tab.EventsAsync());
        Assert.Equal("upstreamReconnected", resync.GetProperty("reason").GetString());
        await tab.WaitForPhaseAsync("live");
        Assert.Contains("reconnecting", await tab.PhasesAsync());

        // The tab lost the relay for good (a new connection): the client's own resync does the same.
        await ExpectRequestsAsync(api, [tab], async () =>
        {
            proxy.Refusing = true;
            proxy.SeverAll();
            await tab.WaitForPhaseAsync("reconnecting");
            proxy.Refusing = false;
        }, everything);
        await tab.WaitForPhaseAsync("live");
        Assert.Equal(["upstreamReconnected", "clientReconnected"], (await tab.EventsAsync()).Select(message => message.GetProperty("reason").GetString()));
        Assert.Empty(tab.Errors);
    }

    [Fact]
    public async Task Two_tabs_of_one_user_share_one_upstream_socket_and_each_refetches_once()
    {
        await using var api = await StartApiAsync();
        await using var relay = ReactRelay.Start(fixture.Reflector, api);
        await using var context = await chromium.NewContextAsync();
        var user = DemoRelay.NewUser("carol");
        api.PutTranscript("t-a", "Weekly product sync");
        var first = await ReactAppTab.OpenAsync(context, api, relay.BaseAddress, user, "&open=t-a");
        var second = await ReactAppTab.OpenAsync(context, api, relay.BaseAddress, user, "&open=t-a");
        await first.WaitUntilSettledAsync();
        await second.WaitUntilSettledAsync();

        Assert.Equal(1, fixture.Reflector.Handshakes(user));
        Assert.Equal(1, fixture.Reflector.OpenSockets(user));

        await ExpectRequestsAsync(api, [first, second], () => fixture.Reflector.EmitAsync(user, "TRANSCRIPT_STATUS", new { id = "t-a", value = "ended" }), SearchPath, TranscriptPath("t-a"));
        foreach (var tab in new[] { first, second })
        {
            Assert.Equal("transcriptStatusChanged", Assert.Single(await tab.EventsAsync()).GetProperty("type").GetString());
            Assert.Empty(tab.Errors);
        }

        Assert.Equal(1, fixture.Reflector.Handshakes(user));
    }

    [Fact]
    public async Task Signing_out_closes_the_connection_and_signing_in_again_opens_it_with_the_new_token()
    {
        await using var api = await StartApiAsync();
        await using var relay = ReactRelay.Start(fixture.Reflector, api);
        await using var proxy = new SeveringProxy(relay.BaseAddress);
        await using var context = await chromium.NewContextAsync();
        var user = DemoRelay.NewUser("dave");
        api.PutTranscript("t-a", "Weekly product sync");
        var tab = await ReactAppTab.OpenAsync(context, api, proxy.BaseAddress, user, "&open=t-a");
        await tab.WaitUntilSettledAsync();
        var firstToken = Assert.Single(api.TokensIssued);
        Assert.Equal($"Bearer {firstToken}", Assert.Single(tab.NegotiateAuthorizations));

        // A session refresh (refreshing, then a new token) keeps the connection: no new negotiate, no new handshake.
        await tab.Page.ClickAsync("#refresh");
        await Assertions.Expect(tab.Page.Locator("#who")).ToHaveAttributeAsync("data-status", "authenticated");
        await TestTimeouts.Eventually(() => api.TokensIssued.Count == 2, "the refresh got a new token");
        var refreshedToken = api.TokensIssued[1];
        Assert.Single(tab.NegotiateAuthorizations);
        Assert.Equal(1, fixture.Reflector.Handshakes(user));

        // But the next reconnect asks for the token again and gets the refreshed one: it was never pinned.
        proxy.Refusing = true;
        proxy.SeverAll();
        await tab.WaitForPhaseAsync("reconnecting");
        proxy.Refusing = false;
        await tab.WaitForPhaseAsync("live");
        Assert.Equal($"Bearer {refreshedToken}", tab.NegotiateAuthorizations[^1]);
        Assert.Contains($"access_token={refreshedToken}", tab.SocketUrls[^1], StringComparison.Ordinal);
        await tab.WaitUntilSettledAsync();

        // Signing out closes the connection: the relay lets go of the user's socket to Reflector, and the user's
        // events reach nobody.
        await tab.Page.ClickAsync("#sign-out");
        await tab.WaitForPhaseAsync("off");
        await fixture.Reflector.WaitForOpenSocketsAsync(user, 0, TestTimeouts.Default);
        await TestTimeouts.Eventually(() => relay.Upstreams.UpstreamCount == 0, "the relay dropped the user's upstream");
        Assert.Equal(0, await fixture.Reflector.EmitAsync(user, "TRANSCRIPT_CREATED", new { id = "while-signed-out" }));

        // Signing in again opens a new connection with the new token, and events flow again.
        var negotiations = tab.NegotiateAuthorizations.Count;
        await tab.Page.FillAsync("#user", user);
        await tab.Page.ClickAsync("#sign-in");
        await tab.WaitForPhaseAsync("live");
        var newToken = api.TokensIssued[^1];
        Assert.Equal(3, api.TokensIssued.Count);
        Assert.Equal($"Bearer {newToken}", Assert.Single(tab.NegotiateAuthorizations.Skip(negotiations)));
        Assert.Contains($"access_token={newToken}", tab.SocketUrls[^1], StringComparison.Ordinal);
        Assert.Equal(1, fixture.Reflector.OpenSockets(user));
        await tab.WaitUntilSettledAsync();
        await ExpectRequestsAsync(api, [tab], () => fixture.Reflector.EmitAsync(user, "TRANSCRIPT_FINAL_TITLE", new { id = "t-a", title = "Back" }), SearchPath, TranscriptPath("t-a"));

        Assert.Equal(["off", "connecting", "live", "reconnecting", "live", "off", "connecting", "live"], await tab.PhasesAsync());
        Assert.Empty(tab.Errors);
    }

    private async Task<FakeReflectorApi> StartApiAsync() => await FakeReflectorApi.StartAsync(await ClientPackages.TestAppAsync(), fixture.Reflector);
}
