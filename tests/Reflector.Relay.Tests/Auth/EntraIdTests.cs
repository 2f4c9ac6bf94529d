using System.Net;
using Microsoft.AspNetCore.SignalR.Client;
using Reflector.Relay.Events;
using Reflector.Relay.Tests.Infrastructure;
using Reflector.Simulator;

namespace Reflector.Relay.Tests.Auth;

/// <summary>
/// Entra ID through Microsoft.Identity.Web, with the tenant's metadata served offline and every check of
/// the library left on. Users are keyed by <c>sub</c>, as by every other issuer and by Reflector; Entra's
/// <c>oid</c> plays no part.
/// </summary>
public sealed class EntraIdTests(ReflectorFixture fixture) : IClassFixture<ReflectorFixture>
{
    private RelayFactory CreateRelay(SimulatedReflector? reflector = null) => new(
        reflector ?? fixture.Reflector,
        new Dictionary<string, string?>(FakeEntraId.Settings),
        FakeEntraId.ServeMetadataOffline);

    private static string Sign(Dictionary<string, object> claims) => FakeEntraId.Signer.Sign(claims);

    [Fact]
    public async Task An_access_token_from_the_tenant_negotiates()
    {
        await using var relay = CreateRelay();

        Assert.Equal(HttpStatusCode.OK, (await relay.NegotiateAsync(Sign(FakeEntraId.AccessTokenClaims()))).Status);
    }

    [Fact]
    public async Task An_application_token_with_roles_instead_of_scopes_negotiates()
    {
        await using var relay = CreateRelay();
        var claims = FakeEntraId.AccessTokenClaims();
        claims.Remove("scp");
        claims["roles"] = new[] { "Events.Read" };

        Assert.Equal(HttpStatusCode.OK, (await relay.NegotiateAsync(Sign(claims))).Status);
    }

    [Fact]
    public async Task A_token_signed_by_another_key_under_the_tenant_key_id_is_401()
    {
        await using var relay = CreateRelay();

        var refused = await relay.NegotiateAsync(FakeEntraId.Impostor.Sign(FakeEntraId.AccessTokenClaims()));

        Assert.Equal(HttpStatusCode.Unauthorized, refused.Status);
        Assert.Contains("The signature is invalid", refused.Challenge, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_token_for_another_audience_is_401()
    {
        await using var relay = CreateRelay();
        var claims = FakeEntraId.AccessTokenClaims();
        claims["aud"] = Guid.NewGuid().ToString();

        var refused = await relay.NegotiateAsync(Sign(claims));

        Assert.Equal(HttpStatusCode.Unauthorized, refused.Status);
        Assert.Contains("The audience", refused.Challenge, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_token_issued_by_another_tenant_is_401()
    {
        await using var relay = CreateRelay();
        var claims = FakeEntraId.AccessTokenClaims();
        claims["iss"] = FakeEntraId.Issuer(FakeEntraId.OtherTenantId);
        claims["tid"] = FakeEntraId.OtherTenantId;

        var refused = await relay.NegotiateAsync(Sign(claims));

        Assert.Equal(HttpStatusCode.Unauthorized, refused.Status);
        Assert.Contains("The issuer", refused.Challenge, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_token_expired_beyond_the_five_minute_clock_skew_is_401()
    {
        await using var relay = CreateRelay();

        // Microsoft.Identity.Web keeps JwtBearer's default skew of 5 minutes, unlike the other two schemes.
        var expired = FakeEntraId.AccessTokenClaims(expires: DateTimeOffset.UtcNow.AddMinutes(-10));

        var refused = await relay.NegotiateAsync(Sign(expired));

        Assert.Equal(HttpStatusCode.Unauthorized, refused.Status);
        Assert.Contains("The token expired", refused.Challenge, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_token_with_neither_scopes_nor_roles_is_401()
    {
        await using var relay = CreateRelay();
        var claims = FakeEntraId.AccessTokenClaims();
        claims.Remove("scp");

        var refused = await relay.NegotiateAsync(Sign(claims));

        Assert.Equal(HttpStatusCode.Unauthorized, refused.Status);
        // Microsoft.Identity.Web fails it after validation, naming no reason in the challenge.
        Assert.Equal("Bearer error=\"invalid_token\"", refused.Challenge);
    }

    [Fact]
    public async Task A_valid_token_without_a_sub_is_403()
    {
        await using var relay = CreateRelay();
        var claims = FakeEntraId.AccessTokenClaims();
        claims.Remove("sub");

        Assert.Equal(HttpStatusCode.Forbidden, (await relay.NegotiateAsync(Sign(claims))).Status);
    }

    /// <summary>
    /// The relay passes the user's own token upstream (it acquires none on the user's behalf). A Reflector
    /// that only trusts its own key refuses it, and the user is told so rather than left reconnecting.
    /// </summary>
    [Fact]
    public async Task A_SignalR_client_connects_and_is_told_when_the_API_refuses_the_Entra_token()
    {
        await using var relay = CreateRelay();
        var refusedBefore = fixture.Reflector.RefusedHandshakes;
        await using var client = relay.CreateClient(Sign(FakeEntraId.AccessTokenClaims()));

        await client.StartAsync();
        await client.WaitForStateAsync(UpstreamState.Unauthorized);

        Assert.Equal(HubConnectionState.Connected, client.Connection.State);
        Assert.True(fixture.Reflector.RefusedHandshakes > refusedBefore);
    }

    /// <summary>
    /// An API that trusts the tenant (a Reflector here checking the tenant's key and the app's client id)
    /// accepts the passed-through token, and its events reach the client. The API and the relay both key the
    /// user by <c>sub</c>, so the upstream socket carries exactly that user's stream.
    /// </summary>
    [Fact]
    public async Task A_SignalR_client_receives_events_from_an_API_that_trusts_the_tenant()
    {
        await using var entraReflector = await SimulatedReflector.StartAsync(new SimulatorOptions
        {
            SigningKey = FakeEntraId.Signer.Key.Rsa,
            Audience = FakeEntraId.ClientId,
        }).DefaultTimeout();
        await using var relay = CreateRelay(entraReflector);
        var claims = FakeEntraId.AccessTokenClaims();
        var apiUserId = (string)claims["sub"];
        await using var client = relay.CreateClient(Sign(claims));
        await client.StartAsync();
        await client.WaitForStateAsync(UpstreamState.Connected);
        await entraReflector.WaitForOpenSocketsAsync(apiUserId, 1, TestTimeouts.Default);

        Assert.Equal(1, await entraReflector.EmitAsync(apiUserId, "TRANSCRIPT_CREATED", new { id = "x" }).DefaultTimeout());

        Assert.Equal(new InvalidateMessage.TranscriptCreated("x"), await client.NextMessageAsync());
    }
}
