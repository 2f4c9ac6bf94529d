using System.Text.Json;
using Microsoft.Playwright;
using Reflector.Relay.FunctionalTests.Browser;

namespace Reflector.Relay.FunctionalTests.Demo;

/// <summary>A browser tab showing the demo page, with what a test reads off it.</summary>
internal sealed class DemoTab(IPage page)
{
    public IPage Page { get; } = page;

    public ILocator Badge => Page.Locator("#badge");

    public ILocator Rows => Page.Locator("#transcripts li");

    public static async Task<DemoTab> OpenAsync(IBrowserContext context, Uri baseAddress, string user, string query = "")
    {
        var tab = new DemoTab(await context.NewPageAsync().DefaultTimeout());
        var errors = new List<string>();
        tab.Page.PageError += (_, error) => errors.Add(error);
        await tab.Page.GotoAsync(new Uri(baseAddress, $"/demo/?user={Uri.EscapeDataString(user)}{query}").ToString()).DefaultTimeout();
        await tab.WaitForBadgeAsync("live");
        Assert.Empty(errors);
        return tab;
    }

    public Task WaitForBadgeAsync(string state) => Assertions.Expect(Badge).ToHaveAttributeAsync("data-state", state);

    public ILocator Row(string transcriptId) => Page.Locator($"#transcripts li[data-id='{transcriptId}']");

    public Task WaitForRowAsync(string transcriptId) => Assertions.Expect(Row(transcriptId)).ToHaveCountAsync(1);

    public Task WaitUntilAsync(string condition) =>
        Page.WaitForFunctionAsync($"() => {{ const d = window.relayDemo; return {condition}; }}").DefaultTimeout();

    public Task<T> ReadAsync<T>(string expression) =>
        Page.EvaluateAsync<T>($"() => {{ const d = window.relayDemo; return {expression}; }}").DefaultTimeout();

    public ILocator LiveTopics => Page.Locator("#live-topics li");

    public ILocator LiveError => Page.Locator("#live-error");

    /// <summary>Follows a transcript in the live view, as a user typing its id does; returns once it is followed or refused.</summary>
    public async Task OpenTranscriptAsync(string transcriptId)
    {
        await Page.FillAsync("#live-id", transcriptId).DefaultTimeout();
        await Page.ClickAsync("#live-open-button").DefaultTimeout();
        await WaitUntilAsync($"(d.live.subscribed && d.live.transcriptId === {JsonSerializer.Serialize(transcriptId)}) || d.live.refused !== null");
    }

    /// <summary>Every transcriptEvent the live view received, as JSON objects.</summary>
    public async Task<List<JsonElement>> TranscriptEventsAsync()
    {
        var json = await ReadAsync<string>("JSON.stringify(d.live.events)");
        return JsonSerializer.Deserialize<List<JsonElement>>(json)!;
    }

    /// <summary>Every invalidate message the page's client delivered, as JSON objects.</summary>
    public async Task<List<JsonElement>> MessagesAsync()
    {
        var json = await ReadAsync<string>("JSON.stringify(d.messages)");
        return JsonSerializer.Deserialize<List<JsonElement>>(json)!;
    }

    public async Task<List<string>> BadgeHistoryAsync() =>
        JsonSerializer.Deserialize<List<string>>(await ReadAsync<string>("JSON.stringify(d.badgeHistory)"))!;
}
