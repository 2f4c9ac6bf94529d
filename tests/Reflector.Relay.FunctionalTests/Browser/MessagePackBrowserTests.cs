using Microsoft.Playwright;
using Reflector.Relay.FunctionalTests.Demo;

namespace Reflector.Relay.FunctionalTests.Browser;

[Collection(BrowserTests.Name)]
public sealed class MessagePackBrowserTests(ChromiumFixture chromium, ReflectorFixture fixture)
{
    [Fact]
    public async Task Browser_on_messagepack_receives_the_same_messages_as_one_on_json()
    {
        await using var relay = DemoRelay.Start(fixture.Reflector);
        await using var context = await chromium.NewContextAsync();
        var user = DemoRelay.NewUser("carol");

        // Binary frames on the hub's socket show the tab really speaks MessagePack.
        var binaryFrames = 0;
        context.Page += (_, page) => page.WebSocket += (_, socket) =>
        {
            // The JSON tab's frames are text, so any binary frame on a hub socket is the MessagePack tab's.
            if (socket.Url.Contains("/hubs/user-events", StringComparison.Ordinal))
            {
                socket.FrameReceived += (_, frame) =>
                {
                    if (frame.Binary is { Length: > 0 })
                    {
                        Interlocked.Increment(ref binaryFrames);
                    }
                };
            }
        };

        var json = await DemoTab.OpenAsync(context, relay.BaseAddress, user);
        var messagePack = await DemoTab.OpenAsync(context, relay.BaseAddress, user, "&protocol=messagepack");

        await EveryInvalidateKind.EmitAsync(fixture.Reflector, user);
        var count = EveryInvalidateKind.ExpectedJson.Count;
        await json.WaitUntilAsync($"d.messages.length >= {count}");
        await messagePack.WaitUntilAsync($"d.messages.length >= {count}");

        var fromJson = (await json.MessagesAsync()).Select(m => m.GetRawText()).ToList();
        var fromMessagePack = (await messagePack.MessagesAsync()).Select(m => m.GetRawText()).ToList();
        Assert.Equal(EveryInvalidateKind.ExpectedJson, fromJson);
        Assert.Equal(EveryInvalidateKind.ExpectedJson, fromMessagePack);
        Assert.Equal("messagepack", await messagePack.ReadAsync<string>("d.protocol"));
        await TestTimeouts.Eventually(() => Volatile.Read(ref binaryFrames) >= count, "the MessagePack tab received binary frames on its hub socket");
    }
}
