using System.Net.WebSockets;
using System.Text;
using Microsoft.AspNetCore.SignalR.Client;
using Reflector.Relay.Events;
using Reflector.Relay.Tests.Infrastructure;

namespace Reflector.Relay.Tests.Security;

/// <summary>A user who tries every trick to see another user's events sees only their own.</summary>
public sealed class UserIsolationTests(ReflectorFixture fixture) : IClassFixture<ReflectorFixture>
{
    [Theory]
    [InlineData("JoinGroup")]
    [InlineData("AddToGroupAsync")]
    [InlineData("OnConnectedAsync")]
    [InlineData("Subscribe")]
    public async Task No_hub_call_joins_another_users_group(string method)
    {
        await using var relay = new RelayFactory(fixture.Reflector);
        var (victim, attacker) = (NewUser(), NewUser());
        await using var victimTab = await relay.ConnectAsync(victim);
        await using var attackerTab = await relay.ConnectAsync(attacker);
        await victimTab.WaitForStateAsync(UpstreamState.Connected);
        await attackerTab.WaitForStateAsync(UpstreamState.Connected);

        // The hub offers clients no method at all: whatever they call is refused as unknown.
        var refused = await Assert.ThrowsAsync<Microsoft.AspNetCore.SignalR.HubException>(
            () => attackerTab.Connection.InvokeAsync(method, "user:" + victim).DefaultTimeout());
        Assert.Contains("does not exist", refused.Message, StringComparison.Ordinal);

        await AssertOnlyOwnEventsArriveAsync(victim, victimTab, attacker, attackerTab);
    }

    [Fact]
    public async Task Headers_and_query_parameters_naming_another_user_change_nothing()
    {
        await using var relay = new RelayFactory(fixture.Reflector);
        var (victim, attacker) = (NewUser(), NewUser());
        await using var victimTab = await relay.ConnectAsync(victim);
        var attackerToken = relay.TokenFor(attacker);
        await using var attackerTab = new RelayClient(new HubConnectionBuilder()
            .WithUrl(new Uri(relay.HubUrl + $"?user={victim}&sub={victim}&userId={victim}&group=user:{victim}"), options =>
            {
                options.AccessTokenProvider = () => Task.FromResult<string?>(attackerToken);
                options.Headers["X-User-Id"] = victim;
                options.Headers["X-Forwarded-User"] = victim;
                options.Headers["sub"] = victim;
            })
            .Build());
        await attackerTab.StartAsync();
        await victimTab.WaitForStateAsync(UpstreamState.Connected);
        await attackerTab.WaitForStateAsync(UpstreamState.Connected);

        await AssertOnlyOwnEventsArriveAsync(victim, victimTab, attacker, attackerTab);
    }

    [Fact]
    public async Task A_query_token_of_another_user_cannot_ride_on_an_authorization_header()
    {
        await using var relay = new RelayFactory(fixture.Reflector);
        var (victim, attacker) = (NewUser(), NewUser());

        // The header wins over the query: the connection is the attacker's, whatever token sits in the query.
        using var socket = new ClientWebSocket();
        socket.Options.SetRequestHeader("Authorization", "Bearer " + relay.TokenFor(attacker));
        var url = new UriBuilder(relay.HubUrl) { Scheme = "ws", Query = "access_token=" + relay.TokenFor(victim) }.Uri;
        await socket.ConnectAsync(url, CancellationToken.None).DefaultTimeout();
        await socket.SendAsync(Encoding.UTF8.GetBytes("{\"protocol\":\"json\",\"version\":1}\u001e"), WebSocketMessageType.Text, true, CancellationToken.None);

        await fixture.Reflector.WaitForOpenSocketsAsync(attacker, 1, TestTimeouts.Default);
        Assert.Equal(0, fixture.Reflector.OpenSockets(victim));
        Assert.True(relay.Upstreams.HasUpstream(attacker));
        Assert.False(relay.Upstreams.HasUpstream(victim));

        // And the connection sits in the attacker's group: the attacker's event is the first one it sees.
        await fixture.Reflector.EmitAsync(attacker, "TRANSCRIPT_CREATED", new { id = "own" });
        var received = new StringBuilder();
        var buffer = new byte[4096];
        while (!received.ToString().Contains("\"target\":\"invalidate\"", StringComparison.Ordinal))
        {
            var result = await socket.ReceiveAsync(buffer, CancellationToken.None).DefaultTimeout();
            received.Append(Encoding.UTF8.GetString(buffer, 0, result.Count));
        }

        Assert.Contains("\"transcriptId\":\"own\"", received.ToString(), StringComparison.Ordinal);
        await socket.CloseOutputAsync(WebSocketCloseStatus.NormalClosure, null, CancellationToken.None);
    }

    /// <summary>
    /// Reflector keys its streams by <c>sub</c>; a relay that keyed users by another claim put two people with the
    /// same value of it on one upstream socket. Users are keyed by <c>sub</c> only, whatever else their tokens share.
    /// </summary>
    [Theory]
    [InlineData(null)]
    [InlineData("sub")]
    public async Task Two_tokens_sharing_every_claim_but_sub_never_share_events(string? userIdClaim)
    {
        await using var relay = new RelayFactory(
            fixture.Reflector,
            userIdClaim is null ? null : new Dictionary<string, string?> { ["Authentication:UserIdClaim"] = userIdClaim });
        var (victim, attacker) = (NewUser(), NewUser());
        var shared = new Dictionary<string, object?> { ["uid"] = "same-person", ["oid"] = "same-person", ["email"] = "same@example.com" };
        await using var victimTab = relay.CreateClient(fixture.Reflector.IssueToken(victim, TimeSpan.FromHours(1), extraClaims: shared));
        await using var attackerTab = relay.CreateClient(fixture.Reflector.IssueToken(attacker, TimeSpan.FromHours(1), extraClaims: shared));
        await victimTab.StartAsync();
        await attackerTab.StartAsync();
        await victimTab.WaitForStateAsync(UpstreamState.Connected);
        await attackerTab.WaitForStateAsync(UpstreamState.Connected);

        // One upstream socket each, opened with each one's own token.
        Assert.True(relay.Upstreams.HasUpstream(victim));
        Assert.True(relay.Upstreams.HasUpstream(attacker));
        await AssertOnlyOwnEventsArriveAsync(victim, victimTab, attacker, attackerTab);
    }

    [Fact]
    public async Task A_stolen_connection_token_cannot_be_polled_with_another_users_token()
    {
        await using var relay = new RelayFactory(fixture.Reflector);
        var (victim, attacker) = (NewUser(), NewUser());
        // The connection token, as it would leak from a proxy's access log.
        await using var victimTab = await LongPollingTab.ConnectAsync(relay.HubUrl, relay.TokenFor(victim));
        using var response = await victimTab.PollAsAsync(relay.BaseAddress, relay.TokenFor(attacker));

        Assert.Equal(System.Net.HttpStatusCode.Forbidden, response.StatusCode);

        // The victim's connection is unharmed and still gets its own events.
        await fixture.Reflector.WaitForOpenSocketsAsync(victim, 1, TestTimeouts.Default);
        await fixture.Reflector.EmitAsync(victim, "TRANSCRIPT_CREATED", new { id = "mine" });
        Assert.Equal(new InvalidateMessage.TranscriptCreated("mine"), await victimTab.Client.NextMessageAsync());
    }

    private async Task AssertOnlyOwnEventsArriveAsync(string victim, RelayClient victimTab, string attacker, RelayClient attackerTab)
    {
        await fixture.Reflector.WaitForOpenSocketsAsync(victim, 1, TestTimeouts.Default);
        await fixture.Reflector.WaitForOpenSocketsAsync(attacker, 1, TestTimeouts.Default);
        await fixture.Reflector.EmitAsync(victim, "TRANSCRIPT_FINAL_TITLE", new { id = "secret", title = "Board meeting" });
        Assert.Equal(new InvalidateMessage.TranscriptTitleChanged("secret", "Board meeting"), await victimTab.NextMessageAsync());

        // Only once the victim has its event is the attacker's marker sent, and each tab's messages arrive in
        // order: a leaked copy would have been queued to the attacker before the marker.
        await fixture.Reflector.EmitAsync(attacker, "TRANSCRIPT_CREATED", new { id = "own" });
        Assert.Equal(new InvalidateMessage.TranscriptCreated("own"), await attackerTab.NextMessageAsync());
        Assert.False(attackerTab.TryTakeMessage(out var extra), $"the attacker also received {extra}");
    }

    private static string NewUser() => "isolation-" + Guid.NewGuid().ToString("N");
}
