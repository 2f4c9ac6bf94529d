using System.Text.Json;
using Microsoft.Playwright;
using Reflector.Relay.FunctionalTests.Infrastructure;
using Reflector.Simulator;

namespace Reflector.Relay.FunctionalTests.Browser.ReactApp;

/// <summary>A browser tab showing the React test app (clients/react-test-app), with what a test reads off it.</summary>
internal sealed class ReactAppTab
{
    private readonly List<string> _errors = [];
    private readonly List<string> _negotiateTokens = [];
    private readonly List<string> _socketUrls = [];

    private ReactAppTab(IPage page)
    {
        Page = page;
        page.PageError += (_, error) => _errors.Add(error);
        page.Console += (_, message) =>
        {
            if (message.Type == "error" && !IsNetworkNoise(message.Text))
            {
                _errors.Add(message.Text);
            }
        };
        page.Request += (_, request) =>
        {
            if (request.Url.Contains("/hubs/user-events/negotiate", StringComparison.Ordinal) && request.Headers.TryGetValue("authorization", out var value))
            {
                _negotiateTokens.Add(value);
            }
        };
        page.WebSocket += (_, socket) => _socketUrls.Add(socket.Url);
    }

    public IPage Page { get; }

    public ILocator Phase => Page.Locator("#phase");

    /// <summary>The Authorization header of every negotiate request to the relay, in order.</summary>
    public IReadOnlyList<string> NegotiateAuthorizations => _negotiateTokens;

    /// <summary>The URL of every WebSocket the page opened (SignalR puts the token in it as access_token).</summary>
    public IReadOnlyList<string> SocketUrls => _socketUrls;

    /// <summary>
    /// Page errors and console errors so far (React's warnings among them), but not what Chromium and SignalR log when
    /// a test cuts the network on purpose.
    /// </summary>
    public IReadOnlyList<string> Errors => _errors;

    /// <summary>Opens the app; with a user, signs in and waits until live updates flow.</summary>
    public static async Task<ReactAppTab> OpenAsync(IBrowserContext context, FakeReflectorApi api, Uri relay, string? user, string query = "")
    {
        var tab = new ReactAppTab(await context.NewPageAsync().DefaultTimeout());
        var address = $"{api.BaseAddress}?relay={Uri.EscapeDataString(relay.ToString())}" +
                      (user is null ? "" : $"&user={Uri.EscapeDataString(user)}") + query;
        await tab.Page.GotoAsync(address).DefaultTimeout();
        if (user is not null)
        {
            await tab.WaitForPhaseAsync("live");
        }

        return tab;
    }

    private static bool IsNetworkNoise(string text) =>
        text.StartsWith("Failed to load resource", StringComparison.Ordinal) ||
        text.StartsWith("WebSocket connection to", StringComparison.Ordinal) ||
        // SignalR's own log lines: "[2026-01-01T00:00:00.000Z] Error: Connection disconnected with error …".
        (text.StartsWith('[') && text.Contains("] Error: ", StringComparison.Ordinal) &&
         (text.Contains("disconnected", StringComparison.Ordinal) || text.Contains("Failed to complete negotiation", StringComparison.Ordinal) ||
          text.Contains("Failed to start the connection", StringComparison.Ordinal)));

    public Task WaitForPhaseAsync(string phase) => Assertions.Expect(Phase).ToHaveAttributeAsync("data-phase", phase);

    /// <summary>Waits until no query is fetching and every request the app issued has had its answer.</summary>
    public Task WaitUntilSettledAsync() => Page.WaitForFunctionAsync("() => window.relayTest.settled()").DefaultTimeout();

    public Task WaitUntilAsync(string condition) =>
        Page.WaitForFunctionAsync($"() => {{ const t = window.relayTest; return {condition}; }}").DefaultTimeout();

    public Task<T> ReadAsync<T>(string expression) =>
        Page.EvaluateAsync<T>($"() => {{ const t = window.relayTest; return {expression}; }}").DefaultTimeout();

    /// <summary>API requests this tab issued, by path.</summary>
    public async Task<Dictionary<string, int>> IssuedAsync() =>
        JsonSerializer.Deserialize<Dictionary<string, int>>(await ReadAsync<string>("JSON.stringify(t.issued)"))!;

    /// <summary>Every invalidate message <c>useUserEvents</c> delivered to this tab.</summary>
    public async Task<List<JsonElement>> EventsAsync() =>
        JsonSerializer.Deserialize<List<JsonElement>>(await ReadAsync<string>("JSON.stringify(t.events)"))!;

    public async Task<List<string>> PhasesAsync() =>
        JsonSerializer.Deserialize<List<string>>(await ReadAsync<string>("JSON.stringify(t.phases)"))!;

    public async Task SaveScreenshotAsync(string name)
    {
        var path = Path.Combine(Repository.Root, "TestResults", name);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        await Page.ScreenshotAsync(new PageScreenshotOptions { Path = path, FullPage = true }).DefaultTimeout();
    }
}

/// <summary>The relay as the React app's page reaches it: another origin, allowed by CORS.</summary>
internal static class ReactRelay
{
    public static RelayFactory Start(SimulatedReflector reflector, FakeReflectorApi api, bool anonymousViewers = false) =>
        new(reflector, new Dictionary<string, string?>
        {
            ["Cors:AllowedOrigins:0"] = api.Origin,
            ["Anonymous:Enabled"] = anonymousViewers ? "true" : "false",
        });
}
