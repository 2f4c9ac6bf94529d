using Reflector.Relay.Events;
using Reflector.Relay.Tests.Infrastructure;

namespace Reflector.Relay.Tests.Security;

public sealed class TokenExpiryTests(ReflectorFixture fixture) : IClassFixture<ReflectorFixture>
{
    [Fact]
    public async Task A_connection_is_closed_when_its_token_expires_and_its_upstream_is_not_kept_for_nobody()
    {
        await using var relay = new RelayFactory(fixture.Reflector, new Dictionary<string, string?> { ["Upstream:Linger"] = "00:00:00.200" });
        var userId = "expiry-" + Guid.NewGuid().ToString("N");
        await using var tab = relay.CreateClient(relay.TokenFor(userId, TimeSpan.FromSeconds(3)));
        await tab.StartAsync();
        await tab.WaitForStateAsync(UpstreamState.Connected);
        await fixture.Reflector.WaitForOpenSocketsAsync(userId, 1, TestTimeouts.Default);

        // The relay ends the connection itself once the token has expired; the client would come back with a fresh one.
        await tab.Closed.DefaultTimeout();

        await fixture.Reflector.WaitForOpenSocketsAsync(userId, 0, TestTimeouts.Default);
        Assert.Equal(0, relay.Upstreams.UpstreamCount);
    }

    [Fact]
    public async Task A_tab_with_a_long_lived_token_keeps_the_upstream_when_a_short_lived_sibling_expires()
    {
        await using var relay = new RelayFactory(fixture.Reflector);
        var userId = "expiry-" + Guid.NewGuid().ToString("N");
        await using var shortLived = relay.CreateClient(relay.TokenFor(userId, TimeSpan.FromSeconds(3)));
        await shortLived.StartAsync();
        await using var longLived = await relay.ConnectAsync(userId);
        await longLived.WaitForStateAsync(UpstreamState.Connected);

        await shortLived.Closed.DefaultTimeout();
        await fixture.Reflector.EmitAsync(userId, "TRANSCRIPT_CREATED", new { id = "still-here" });

        Assert.Equal(new InvalidateMessage.TranscriptCreated("still-here"), await longLived.NextMessageAsync());
        Assert.Equal(1, fixture.Reflector.Handshakes(userId));
    }
}
