using System.Net.WebSockets;
using System.Text;
using Reflector.Relay.Events;
using Reflector.Relay.Tests.Infrastructure;

namespace Reflector.Relay.Tests.Hubs;

public sealed class SlowConnectionTests(ReflectorFixture fixture) : IClassFixture<ReflectorFixture>
{
    [Fact]
    public async Task A_tab_that_stops_reading_delays_no_sibling_and_is_disconnected_when_its_queue_is_full()
    {
        await using var relay = new RelayFactory(fixture.Reflector, new Dictionary<string, string?>
        {
            ["Limits:MaxQueuedMessagesPerConnection"] = "32",
        });
        var userId = "slow-" + Guid.NewGuid().ToString("N");
        await using var healthy = await relay.ConnectAsync(userId);
        await healthy.WaitForStateAsync(UpstreamState.Connected);

        // A tab that completes the handshake and then never reads again.
        using var stalled = new ClientWebSocket();
        stalled.Options.SetRequestHeader("Authorization", "Bearer " + relay.TokenFor(userId));
        await stalled.ConnectAsync(new UriBuilder(relay.HubUrl) { Scheme = "ws" }.Uri, CancellationToken.None).DefaultTimeout();
        await stalled.SendAsync(Encoding.UTF8.GetBytes("{\"protocol\":\"json\",\"version\":1}\u001e"), WebSocketMessageType.Text, true, CancellationToken.None);
        await TestTimeouts.Eventually(() => relay.Upstreams.ConnectionsOf(userId) == 2, "the stalled tab joined");

        // Far more than socket buffers and the queue hold, paced by the healthy tab so that only the stalled
        // one falls behind. Had the stalled tab held up its sibling, the healthy tab would stop receiving.
        const int events = 600;
        var title = new string('t', 48 * 1024);
        for (var i = 0; i < events; i++)
        {
            await fixture.Reflector.EmitAsync(userId, "TRANSCRIPT_FINAL_TITLE", new { id = "t" + i, title });
            Assert.Equal(new InvalidateMessage.TranscriptTitleChanged("t" + i, title), await healthy.NextMessageAsync());
        }

        await TestTimeouts.Eventually(() => relay.Upstreams.ConnectionsOf(userId) == 1, "the stalled tab was disconnected");
        Assert.Equal(1, fixture.Reflector.Handshakes(userId));
    }
}
