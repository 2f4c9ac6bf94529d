using System.Net;
using Microsoft.AspNetCore.Authentication.JwtBearer;
using Microsoft.AspNetCore.Http.Connections;
using Microsoft.AspNetCore.SignalR.Client;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.IdentityModel.Protocols.OpenIdConnect;
using Reflector.Relay.Auth;
using Reflector.Relay.Events;
using Reflector.Relay.Tests.Infrastructure;

namespace Reflector.Relay.Tests.Auth;

/// <summary>
/// A relay trusting two issuers, Reflector's public key and an OIDC authority: the same <c>sub</c> from each is a
/// different person, and the negotiation limit, connection ownership and the hub all agree on who is who.
/// </summary>
public sealed class SeveralIssuersTests(ReflectorFixture fixture) : IClassFixture<ReflectorFixture>
{
    private const string Authority = "https://idp.example.test/application/o/reflector/";
    private const string ReflectorIssuer = "https://reflector.example.test/";

    private static readonly TestIssuer Idp = new("several-issuers-idp");

    private RelayFactory CreateRelay(IDictionary<string, string?>? settings = null)
    {
        var all = new Dictionary<string, string?>(settings ?? new Dictionary<string, string?>())
        {
            ["Authentication:Jwt:Authority"] = Authority,
            ["Authentication:Jwt:Issuer"] = ReflectorIssuer,
        };
        return new RelayFactory(
            fixture.Reflector,
            all,
            // The authority's metadata, given directly: issuer and signing key, nothing fetched.
            services => services.Configure<JwtBearerOptions>(RelayAuthentication.AuthorityScheme, bearer =>
                bearer.Configuration = new OpenIdConnectConfiguration { Issuer = Authority, SigningKeys = { Idp.Key } }));
    }

    /// <summary>A token Reflector's key signed, naming its issuer.</summary>
    private string ReflectorToken(string sub) =>
        fixture.Reflector.IssueToken(sub, TimeSpan.FromHours(1), extraClaims: new Dictionary<string, object?> { ["iss"] = ReflectorIssuer });

    /// <summary>A token of the same <paramref name="sub"/> from the other issuer.</summary>
    private string AuthorityToken(string sub)
    {
        var claims = TestIssuer.Lifetime(TestIssuer.InAnHour);
        claims["email"] = "someone@example.com";
        claims["iss"] = Authority;
        claims["aud"] = fixture.Reflector.Audience;
        claims["sub"] = sub;
        return Idp.Sign(claims);
    }

    [Fact]
    public async Task A_token_of_each_issuer_negotiates()
    {
        await using var relay = CreateRelay();
        var sub = NewUser();

        Assert.Equal(HttpStatusCode.OK, (await relay.NegotiateAsync(ReflectorToken(sub))).Status);
        Assert.Equal(HttpStatusCode.OK, (await relay.NegotiateAsync(AuthorityToken(sub))).Status);
    }

    /// <summary>
    /// The relay could not tell whose <c>sub</c> it is, so the token is refused where a client sees why, not after
    /// connecting: beside another issuer, Reflector's key must name its issuer (Authentication:Jwt:Issuer).
    /// </summary>
    [Fact]
    public async Task A_valid_token_without_an_issuer_is_refused_at_negotiate()
    {
        await using var relay = CreateRelay();
        var withoutIssuer = fixture.Reflector.IssueToken(NewUser(), TimeSpan.FromHours(1));

        Assert.Equal(HttpStatusCode.Unauthorized, (await relay.NegotiateAsync(withoutIssuer)).Status);
        Assert.Equal(HttpStatusCode.Unauthorized, (await relay.NegotiateWithQueryTokenAsync(withoutIssuer)).Status);
    }

    /// <summary>Reflector's key can sign any claims; it must not reach the authority's user of the same <c>sub</c>.</summary>
    [Fact]
    public async Task A_token_of_one_issuer_claiming_the_other_issuer_is_refused()
    {
        await using var relay = CreateRelay();
        var posing = fixture.Reflector.IssueToken(
            NewUser(), TimeSpan.FromHours(1), extraClaims: new Dictionary<string, object?> { ["iss"] = Authority });

        Assert.Equal(HttpStatusCode.Unauthorized, (await relay.NegotiateAsync(posing)).Status);
    }

    [Theory]
    [InlineData(HttpTransportType.WebSockets, false)]
    [InlineData(HttpTransportType.WebSockets, true)]
    [InlineData(HttpTransportType.LongPolling, false)]
    public async Task A_SignalR_client_whose_token_has_no_issuer_fails_to_start_with_401(HttpTransportType transport, bool skipNegotiation)
    {
        await using var relay = CreateRelay();
        var userId = NewUser();
        var token = fixture.Reflector.IssueToken(userId, TimeSpan.FromHours(1));
        await using var client = new RelayClient(new HubConnectionBuilder()
            .WithUrl(relay.HubUrl, options =>
            {
                options.Transports = transport;
                options.SkipNegotiation = skipNegotiation;
                options.AccessTokenProvider = () => Task.FromResult<string?>(token);
            })
            .Build());

        // Refused before any connection exists: the client is told, rather than connected and then dropped.
        var refused = await Assert.ThrowsAnyAsync<Exception>(client.StartAsync);

        if (skipNegotiation)
        {
            Assert.Contains("status code '401'", refused.Message, StringComparison.Ordinal);
        }
        else
        {
            Assert.Equal(HttpStatusCode.Unauthorized, Assert.IsType<HttpRequestException>(refused).StatusCode);
        }

        Assert.Equal(0, relay.Upstreams.ConnectionsOf(userId));
        Assert.Equal(0, fixture.Reflector.OpenSockets(userId));
    }

    [Fact]
    public async Task A_token_with_an_issuer_connects_and_receives_its_users_events()
    {
        await using var relay = CreateRelay();
        var userId = NewUser();
        await using var client = relay.CreateClient(ReflectorToken(userId));
        await client.StartAsync();
        await client.WaitForStateAsync(UpstreamState.Connected);
        await fixture.Reflector.WaitForOpenSocketsAsync(userId, 1, TestTimeouts.Default);

        await fixture.Reflector.EmitAsync(userId, "TRANSCRIPT_CREATED", new { id = "mine" }).DefaultTimeout();

        Assert.Equal(new InvalidateMessage.TranscriptCreated("mine"), await client.NextMessageAsync());
    }

    [Fact]
    public async Task The_same_subject_from_another_issuer_has_its_own_negotiation_budget()
    {
        await using var relay = CreateRelay(new Dictionary<string, string?> { ["Limits:NegotiationsPerUserPerMinute"] = "2" });
        var sub = NewUser();

        var fromReflector = new List<HttpStatusCode>();
        for (var i = 0; i < 3; i++)
        {
            fromReflector.Add((await relay.NegotiateAsync(ReflectorToken(sub))).Status);
        }

        Assert.Equal([HttpStatusCode.OK, HttpStatusCode.OK, HttpStatusCode.TooManyRequests], fromReflector);
        Assert.Equal(HttpStatusCode.OK, (await relay.NegotiateAsync(AuthorityToken(sub))).Status);
    }

    /// <summary>Ownership binds a connection to the same key the hub serves it under: issuer and subject.</summary>
    [Fact]
    public async Task The_same_subject_from_another_issuer_cannot_poll_a_stolen_connection()
    {
        await using var relay = CreateRelay();
        var sub = NewUser();
        await using var victimTab = await LongPollingTab.ConnectAsync(relay.HubUrl, ReflectorToken(sub));
        using var response = await victimTab.PollAsAsync(relay.BaseAddress, AuthorityToken(sub));

        Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
        await fixture.Reflector.WaitForOpenSocketsAsync(sub, 1, TestTimeouts.Default);
        await fixture.Reflector.EmitAsync(sub, "TRANSCRIPT_CREATED", new { id = "mine" }).DefaultTimeout();
        Assert.Equal(new InvalidateMessage.TranscriptCreated("mine"), await victimTab.Client.NextMessageAsync());
    }

    private static string NewUser() => "issuers-" + Guid.NewGuid().ToString("N");
}
