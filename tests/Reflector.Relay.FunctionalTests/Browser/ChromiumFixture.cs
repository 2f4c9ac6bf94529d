using Microsoft.Playwright;

namespace Reflector.Relay.FunctionalTests.Browser;

/// <summary>
/// One headless Debian Chromium for all browser tests, driven by Playwright with its own browser download
/// never used. No Chromium is a failure that says how to install it, never a skipped test.
/// </summary>
public sealed class ChromiumFixture : IAsyncLifetime
{
    public const string ExecutableVariable = "REFLECTOR_CHROMIUM";

    private IPlaywright? _playwright;

    public IBrowser Browser { get; private set; } = null!;

    public static string ExecutablePath => Environment.GetEnvironmentVariable(ExecutableVariable) is { Length: > 0 } path ? path : "/usr/bin/chromium";

    public async Task InitializeAsync()
    {
        if (!File.Exists(ExecutablePath))
        {
            throw new InvalidOperationException(
                $"Browser tests need Chromium at {ExecutablePath} (or set {ExecutableVariable}). Install it with: " +
                "apt-get update && apt-get install -y --no-install-recommends chromium  (tools/test does this).");
        }

        Assertions.SetDefaultExpectTimeout((float)TestTimeouts.Default.TotalMilliseconds);
        _playwright = await Playwright.CreateAsync().DefaultTimeout();
        Browser = await _playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions
        {
            ExecutablePath = ExecutablePath,
            Headless = true,
            Timeout = (float)TestTimeouts.Default.TotalMilliseconds,
            // The machine has no network beyond loopback: everything Chromium would phone home for is off.
            Args =
            [
                "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
                "--disable-component-update", "--disable-sync",
            ],
        }).DefaultTimeout();
    }

    public async Task<IBrowserContext> NewContextAsync()
    {
        var context = await Browser.NewContextAsync(new BrowserNewContextOptions
        {
            ViewportSize = new ViewportSize { Width = 1280, Height = 900 },
        }).DefaultTimeout();
        context.SetDefaultTimeout((float)TestTimeouts.Default.TotalMilliseconds);
        return context;
    }

    public async Task DisposeAsync()
    {
        if (Browser is not null)
        {
            await Browser.CloseAsync();
        }

        _playwright?.Dispose();
    }
}

[CollectionDefinition(Name)]
public sealed class BrowserTests : ICollectionFixture<ChromiumFixture>, ICollectionFixture<ReflectorFixture>
{
    // One browser at a time: the machine has two cores.
    public const string Name = "Browser";
}
