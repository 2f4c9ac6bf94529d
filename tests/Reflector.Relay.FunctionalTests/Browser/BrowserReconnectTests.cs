using Microsoft.Playwright;
using Reflector.Relay.FunctionalTests.Demo;

namespace Reflector.Relay.FunctionalTests.Browser;

/// <summary>
/// The browser's own connection to the relay, cut by a proxy between them: a blip is bridged by SignalR's
/// stateful reconnect on the same connection, and only a full reconnect becomes a client-side resync.
/// </summary>
[Collection(BrowserTests.Name)]
public sealed class BrowserReconnectTests(ChromiumFixture chromium, ReflectorFixture fixture)
{
    [Fact]
    public async Task Brief_drop_between_browser_and_relay_loses_nothing_and_causes_no_resync()
    {
        await using var relay = DemoRelay.Start(fixture.Reflector);
        await using var proxy = new SeveringProxy(relay.BaseAddress);
        await using var context = await chromium.NewContextAsync();
        var user = DemoRelay.NewUser("alice");
        var tab = await DemoTab.OpenAsync(context, proxy.BaseAddress, user);
        var connectionId = await tab.ReadAsync<string>("d.connection.connectionId");
        var accepted = proxy.Accepted;

        proxy.SeverAll();
        await fixture.Reflector.EmitAsync(user, "TRANSCRIPT_CREATED", new { id = "sent-during-the-drop" });

        await tab.WaitForRowAsync("sent-during-the-drop");
        await TestTimeouts.Eventually(() => proxy.Accepted > accepted, "the browser reconnected through the proxy");
        Assert.Equal(connectionId, await tab.ReadAsync<string>("d.connection.connectionId"));
        Assert.Equal(1, await tab.ReadAsync<int>("d.connectionIds.length"));
        var messages = await tab.MessagesAsync();
        Assert.Equal("sent-during-the-drop", Assert.Single(messages).GetProperty("transcriptId").GetString());
    }

    [Fact]
    public async Task Full_reconnect_to_the_relay_becomes_a_client_side_resync_and_a_refetch()
    {
        await using var relay = DemoRelay.Start(fixture.Reflector);
        await using var proxy = new SeveringProxy(relay.BaseAddress);
        await using var context = await chromium.NewContextAsync();
        var user = DemoRelay.NewUser("bob");
        var tab = await DemoTab.OpenAsync(context, proxy.BaseAddress, user);
        var connectionId = await tab.ReadAsync<string>("d.connection.connectionId");

        // Long enough that the stateful reconnect's one attempt fails: the connection is lost for good.
        proxy.Refusing = true;
        proxy.SeverAll();
        await tab.WaitForBadgeAsync("reconnecting");
        await fixture.Reflector.EmitAsync(user, "TRANSCRIPT_CREATED", new { id = "missed-while-away" });
        proxy.Refusing = false;

        await tab.WaitForBadgeAsync("live");
        await tab.WaitForRowAsync("missed-while-away");
        Assert.NotEqual(connectionId, await tab.ReadAsync<string>("d.connection.connectionId"));
        Assert.Contains(await tab.MessagesAsync(), m =>
            m.GetProperty("type").GetString() == "resync" && m.GetProperty("reason").GetString() == "clientReconnected");
    }
}
