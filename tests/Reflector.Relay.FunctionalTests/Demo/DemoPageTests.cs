using Microsoft.Playwright;
using Reflector.Relay.FunctionalTests.Infrastructure;
using Reflector.Relay.FunctionalTests.Browser;

namespace Reflector.Relay.FunctionalTests.Demo;

/// <summary>
/// The demo page in headless Chromium, running the committed bundle of the TypeScript client against a real
/// relay and simulated Reflector on 127.0.0.1.
/// </summary>
[Collection(BrowserTests.Name)]
public sealed class DemoPageTests(ChromiumFixture chromium, ReflectorFixture fixture)
{
    [Fact]
    public async Task Event_for_a_user_updates_both_of_their_tabs_and_never_another_users_tab()
    {
        await using var relay = DemoRelay.Start(fixture.Reflector);
        await using var context = await chromium.NewContextAsync();
        var alice = DemoRelay.NewUser("alice");
        var bob = DemoRelay.NewUser("bob");

        var alice1 = await DemoTab.OpenAsync(context, relay.BaseAddress, alice);
        var alice2 = await DemoTab.OpenAsync(context, relay.BaseAddress, alice);
        var bob1 = await DemoTab.OpenAsync(context, relay.BaseAddress, bob);

        // Two tabs, one upstream socket for alice; bob has his own. The page's counter shows the relay's sockets.
        Assert.Equal(1, fixture.Reflector.Handshakes(alice));
        Assert.Equal(1, fixture.Reflector.OpenSockets(alice));
        await Assertions.Expect(alice1.Page.Locator("#upstream-count")).ToHaveTextAsync("2");

        // A button in one of alice's tabs makes Reflector emit; both of her tabs refetch and show it.
        await alice1.Page.ClickAsync("[data-emit=TRANSCRIPT_CREATED]");
        await Assertions.Expect(alice1.Rows).ToHaveCountAsync(1);
        await Assertions.Expect(alice2.Rows).ToHaveCountAsync(1);
        var transcriptId = await alice1.Rows.First.GetAttributeAsync("data-id");
        await alice2.WaitForRowAsync(transcriptId!);

        await alice2.Page.ClickAsync("[data-emit=TRANSCRIPT_FINAL_TITLE]");
        await Assertions.Expect(alice1.Row(transcriptId!).Locator(".title")).Not.ToContainTextAsync("Untitled");
        var title = await alice1.Row(transcriptId!).Locator(".title").InnerTextAsync();
        await Assertions.Expect(alice2.Row(transcriptId!).Locator(".title")).ToHaveTextAsync(title);

        // Bob's own event reaches him; by then alice's two would have, had they been sent to him.
        await fixture.Reflector.EmitAsync(bob, "TRANSCRIPT_CREATED", new { id = "bob-only" });
        await bob1.WaitForRowAsync("bob-only");
        var bobMessages = await bob1.MessagesAsync();
        var received = Assert.Single(bobMessages);
        Assert.Equal("bob-only", received.GetProperty("transcriptId").GetString());
        await Assertions.Expect(bob1.Rows).ToHaveCountAsync(1);

        var aliceMessages = await alice1.MessagesAsync();
        Assert.Equal(["transcriptCreated", "transcriptTitleChanged"], aliceMessages.Select(m => m.GetProperty("type").GetString()));
        Assert.Equal(aliceMessages.Select(m => m.GetRawText()), (await alice2.MessagesAsync()).Select(m => m.GetRawText()));

        await SaveScreenshotAsync(alice1);
    }

    [Fact]
    public async Task Reloading_a_tab_inside_the_linger_opens_no_new_upstream_handshake()
    {
        await using var relay = DemoRelay.Start(fixture.Reflector, new Dictionary<string, string?> { ["Upstream:Linger"] = "00:00:10" });
        await using var context = await chromium.NewContextAsync();
        var user = DemoRelay.NewUser("carol");
        var tab = await DemoTab.OpenAsync(context, relay.BaseAddress, user);
        Assert.Equal(1, fixture.Reflector.Handshakes(user));

        await tab.Page.ReloadAsync().DefaultTimeout();
        await tab.WaitForBadgeAsync("live");
        await fixture.Reflector.EmitAsync(user, "TRANSCRIPT_CREATED", new { id = "after-reload" });
        await tab.WaitForRowAsync("after-reload");

        Assert.Equal(1, fixture.Reflector.Handshakes(user));
        Assert.Equal(1, fixture.Reflector.OpenSockets(user));
        Assert.Equal(1, relay.Upstreams.UpstreamCount);
    }

    [Fact]
    public async Task Cutting_the_upstream_shows_reconnecting_and_the_list_refreshes_after_the_resync()
    {
        await using var relay = DemoRelay.Start(fixture.Reflector);
        await using var context = await chromium.NewContextAsync();
        var user = DemoRelay.NewUser("alice");
        var tab = await DemoTab.OpenAsync(context, relay.BaseAddress, user);
        await fixture.Reflector.EmitAsync(user, "TRANSCRIPT_CREATED", new { id = "seen" });
        await tab.WaitForRowAsync("seen");

        // Reflector goes away: the badge says so, and what it emits meanwhile reaches no socket.
        fixture.Reflector.BeginOutage();
        await tab.WaitForBadgeAsync("reconnecting");
        await fixture.Reflector.EmitAsync(user, "TRANSCRIPT_CREATED", new { id = "missed" });
        await fixture.Reflector.EmitAsync(user, "TRANSCRIPT_STATUS", new { id = "seen", value = "processing" });
        await Assertions.Expect(tab.Row("missed")).ToHaveCountAsync(0);

        // Back: the relay's resync makes the page refetch, and the missed changes appear.
        fixture.Reflector.EndOutage();
        await tab.WaitForBadgeAsync("live");
        await tab.WaitForRowAsync("missed");
        await Assertions.Expect(tab.Row("seen").Locator(".status")).ToHaveTextAsync("processing");
        Assert.Contains(await tab.MessagesAsync(), m => m.GetProperty("type").GetString() == "resync" && m.GetProperty("reason").GetString() == "upstreamReconnected");

        // The page's own button cuts the upstream the same way.
        var handshakes = fixture.Reflector.Handshakes(user);
        var resyncs = await tab.ReadAsync<int>("d.messages.filter(m => m.type === 'resync').length");
        var badgeChanges = (await tab.BadgeHistoryAsync()).Count;
        await tab.Page.ClickAsync("#cut");
        await fixture.Reflector.WaitForHandshakesAsync(user, handshakes + 1, TestTimeouts.Default);
        await tab.WaitUntilAsync($"d.messages.filter(m => m.type === 'resync').length > {resyncs}");
        await tab.WaitForBadgeAsync("live");
        Assert.Equal(["reconnecting", "live"], (await tab.BadgeHistoryAsync()).Skip(badgeChanges));
    }

    [Fact]
    public async Task Expired_token_is_replaced_through_the_access_token_factory_without_the_user_noticing()
    {
        await using var relay = DemoRelay.Start(fixture.Reflector);
        await using var context = await chromium.NewContextAsync();
        var user = DemoRelay.NewUser("bob");
        var tab = await DemoTab.OpenAsync(context, relay.BaseAddress, user, "&ttl=5");
        Assert.Equal(1, await tab.ReadAsync<int>("d.tokensIssued"));
        await fixture.Reflector.EmitAsync(user, "TRANSCRIPT_CREATED", new { id = "before" });
        await tab.WaitForRowAsync("before");

        // The first token runs out: the relay closes the connection at its expiry, and the client comes back
        // with a token from accessTokenFactory.
        var firstExpiry = await tab.ReadAsync<string>("d.tokenExpiresAt");
        await tab.WaitUntilAsync($"Date.now() > Date.parse('{firstExpiry}') + 200 && d.tokensIssued >= 2");

        // The upstream then has to reconnect: it needs, and finds, an unexpired token.
        await fixture.Reflector.DropAllAsync();
        await fixture.Reflector.WaitForHandshakesAsync(user, 2, TestTimeouts.Default);
        await tab.WaitForBadgeAsync("live");
        await fixture.Reflector.EmitAsync(user, "TRANSCRIPT_CREATED", new { id = "after" });
        await tab.WaitForRowAsync("after");
        await tab.WaitForRowAsync("before");

        Assert.DoesNotContain("paused", await tab.BadgeHistoryAsync());
        Assert.Equal(1, fixture.Reflector.OpenSockets(user));
    }

    private static async Task SaveScreenshotAsync(DemoTab tab)
    {
        var path = Path.Combine(Repository.Root, "TestResults", "demo.png");
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        await tab.Page.ScreenshotAsync(new PageScreenshotOptions { Path = path, FullPage = true }).DefaultTimeout();
    }
}
