using System.Net;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Reflector.Relay.Auth;
using Reflector.Relay.Events;
using Reflector.Relay.Tests.Infrastructure;

namespace Reflector.Relay.Tests.Auth;

/// <summary>
/// Tokens checked the way Reflector checks them (its PEM public key and audience, no clock skew), at
/// negotiate, the first request of every SignalR client.
/// </summary>
public sealed class AuthenticationTests(ReflectorFixture fixture) : IClassFixture<ReflectorFixture>
{
    private static readonly TestIssuer Stranger = new("stranger");

    private static string NewUserId() => "auth-" + Guid.NewGuid().ToString("N");

    [Fact]
    public async Task Negotiate_without_a_token_is_401()
    {
        await using var relay = new RelayFactory(fixture.Reflector);

        var refused = await relay.NegotiateAsync(token: null);

        Assert.Equal(HttpStatusCode.Unauthorized, refused.Status);
        Assert.Equal("Bearer", refused.Challenge);
    }

    [Fact]
    public async Task A_validated_ticket_keeps_no_copy_of_the_token()
    {
        await using var relay = new RelayFactory(fixture.Reflector);
        var token = relay.TokenFor(NewUserId());

        var result = await AuthenticateAsync(relay, "/hubs/user-events", request => request.Headers.Authorization = "Bearer " + token);

        Assert.True(result.Succeeded);
        Assert.Null(result.Properties.GetTokenValue("access_token"));
        Assert.DoesNotContain(result.Properties.Items.Values, value => value is not null && value.Contains(token, StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_valid_token_in_the_Authorization_header_negotiates()
    {
        await using var relay = new RelayFactory(fixture.Reflector);

        Assert.Equal(HttpStatusCode.OK, (await relay.NegotiateAsync(relay.TokenFor(NewUserId()))).Status);
    }

    [Fact]
    public async Task A_token_signed_by_another_key_is_401()
    {
        await using var relay = new RelayFactory(fixture.Reflector);
        var claims = TestIssuer.Lifetime(TestIssuer.InAnHour);
        claims["email"] = "someone@example.com";
        claims["sub"] = NewUserId();
        claims["aud"] = fixture.Reflector.Audience;

        var refused = await relay.NegotiateAsync(Stranger.Sign(claims));

        Assert.Equal(HttpStatusCode.Unauthorized, refused.Status);
        Assert.Contains("The signature", refused.Challenge, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_token_expired_seconds_ago_is_401_because_the_default_clock_skew_is_zero()
    {
        await using var relay = new RelayFactory(fixture.Reflector);

        // JwtBearer's own default skew (5 min) would still accept it; Reflector would not.
        var expired = fixture.Reflector.IssueToken(NewUserId(), TimeSpan.FromSeconds(-30));

        var refused = await relay.NegotiateAsync(expired);

        Assert.Equal(HttpStatusCode.Unauthorized, refused.Status);
        Assert.Contains("The token expired", refused.Challenge, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_token_for_another_audience_is_401()
    {
        await using var relay = new RelayFactory(fixture.Reflector);
        var token = fixture.Reflector.IssueToken(NewUserId(), TimeSpan.FromHours(1), audience: "another-api");

        var refused = await relay.NegotiateAsync(token);

        Assert.Equal(HttpStatusCode.Unauthorized, refused.Status);
        Assert.Contains("The audience", refused.Challenge, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_token_in_the_access_token_query_negotiates_on_the_hub_path()
    {
        await using var relay = new RelayFactory(fixture.Reflector);

        Assert.Equal(HttpStatusCode.OK, (await relay.NegotiateWithQueryTokenAsync(relay.TokenFor(NewUserId()))).Status);
    }

    [Fact]
    public async Task An_invalid_token_in_the_access_token_query_is_401()
    {
        await using var relay = new RelayFactory(fixture.Reflector);
        var expired = fixture.Reflector.IssueToken(NewUserId(), TimeSpan.FromSeconds(-30));

        var refused = await relay.NegotiateWithQueryTokenAsync(expired);

        Assert.Equal(HttpStatusCode.Unauthorized, refused.Status);
        Assert.Contains("The token expired", refused.Challenge, StringComparison.Ordinal);
    }

    /// <summary>
    /// Every endpoint but the hub is anonymous, so no HTTP status can show whether a query token counted
    /// there; the scheme's handler is asked directly instead, with the relay's own options and events.
    /// </summary>
    [Theory]
    [InlineData("/hubs/user-events", true)]
    [InlineData("/hubs/user-events/negotiate", true)]
    [InlineData("/healthz", false)]
    [InlineData("/readyz", false)]
    [InlineData("/metrics", false)]
    [InlineData("/hubs/user-events-elsewhere/negotiate", false)]
    [InlineData("/hubs", false)]
    [InlineData("/", false)]
    public async Task A_query_token_authenticates_on_the_hub_path_and_nowhere_else(string path, bool authenticates)
    {
        await using var relay = new RelayFactory(fixture.Reflector);
        var userId = NewUserId();
        var token = relay.TokenFor(userId);

        var fromQuery = await AuthenticateAsync(relay, path, request => request.QueryString = QueryString.Create("access_token", token));
        var fromHeader = await AuthenticateAsync(relay, path, request => request.Headers.Authorization = "Bearer " + token);

        Assert.Equal(authenticates, fromQuery.Succeeded);
        if (!authenticates)
        {
            // Not a failed token: no token was read at all.
            Assert.True(fromQuery.None);
        }

        // The same token in the header counts on any path, so the path rule is all that refused the query.
        Assert.True(fromHeader.Succeeded);
        Assert.Equal(userId, fromHeader.Principal!.FindFirst("sub")?.Value);
    }

    /// <summary>
    /// A correctly signed token that names no single user is refused, with one of two statuses. RFC 7519
    /// makes <c>sub</c> a string, so a token with any other <c>sub</c> is not a valid JWT: 401. IdentityModel
    /// cannot read an array there; a number it would read as the string "42", so the relay checks the raw
    /// payload itself, as the simulated Reflector does. A well-formed token whose <c>sub</c> is absent or
    /// blank authenticates, and the policy then finds no user to key the connection by: 403, since a fresh
    /// token from the same issuer would not help.
    /// </summary>
    public static TheoryData<string, object?, HttpStatusCode> UnusableSubjects => new()
    {
        { "missing", null, HttpStatusCode.Forbidden },
        { "empty", "", HttpStatusCode.Forbidden },
        { "blank", "   ", HttpStatusCode.Forbidden },
        { "an array of two", new[] { "a", "b" }, HttpStatusCode.Unauthorized },
        { "an array of one", new[] { "a" }, HttpStatusCode.Unauthorized },
        { "a number", 42, HttpStatusCode.Unauthorized },
    };

    [Theory]
    [MemberData(nameof(UnusableSubjects))]
    public async Task A_valid_token_whose_sub_names_no_single_user_is_refused(string shape, object? sub, HttpStatusCode expected)
    {
        var claims = TestIssuer.Lifetime(TestIssuer.InAnHour);
        claims["email"] = "someone@example.com";
        claims["aud"] = fixture.Reflector.Audience;
        if (sub is not null)
        {
            claims["sub"] = sub;
        }

        var status = await WithRelayTrustingAsync(Stranger, async relay => (await relay.NegotiateAsync(Stranger.Sign(claims))).Status);

        Assert.True(status == expected, $"sub {shape}: expected {(int)expected}, got {(int)status}");
    }

    [Fact]
    public async Task A_SignalR_client_with_an_expired_token_fails_to_start_with_401()
    {
        await using var relay = new RelayFactory(fixture.Reflector);
        await using var client = relay.CreateClient(fixture.Reflector.IssueToken(NewUserId(), TimeSpan.FromSeconds(-30)));

        var refused = await Assert.ThrowsAsync<HttpRequestException>(client.StartAsync);

        Assert.Equal(HttpStatusCode.Unauthorized, refused.StatusCode);
    }

    [Fact]
    public async Task A_SignalR_client_whose_token_names_no_user_fails_to_start_with_403()
    {
        await using var relay = new RelayFactory(fixture.Reflector);
        await using var client = relay.CreateClient(fixture.Reflector.IssueToken("", TimeSpan.FromHours(1)));

        var refused = await Assert.ThrowsAsync<HttpRequestException>(client.StartAsync);

        Assert.Equal(HttpStatusCode.Forbidden, refused.StatusCode);
    }

    private static async Task<AuthenticateResult> AuthenticateAsync(RelayFactory relay, string path, Action<HttpRequest> addToken)
    {
        await using var scope = relay.Services.CreateAsyncScope();
        var context = new DefaultHttpContext { RequestServices = scope.ServiceProvider };
        context.Request.Method = HttpMethods.Post;
        context.Request.Path = path;
        // The endpoint routing would pick for the path, as UseRouting sets it before authentication runs.
        if (scope.ServiceProvider.GetRequiredService<EndpointDataSource>().Endpoints.OfType<RouteEndpoint>()
                .FirstOrDefault(endpoint => "/" + endpoint.RoutePattern.RawText?.TrimStart('/') == path) is { } endpoint)
        {
            context.SetEndpoint(endpoint);
        }

        addToken(context.Request);
        return await context.AuthenticateAsync(RelayAuthentication.PublicKeyScheme).DefaultTimeout();
    }

    /// <summary>Runs <paramref name="test"/> against a relay that trusts <paramref name="issuer"/>'s key instead of the simulator's.</summary>
    private async Task<T> WithRelayTrustingAsync<T>(TestIssuer issuer, Func<RelayFactory, Task<T>> test)
    {
        var publicKeyFile = Path.Combine(Path.GetTempPath(), $"relay-test-issuer-{Guid.NewGuid():N}.pem");
        await File.WriteAllTextAsync(publicKeyFile, issuer.PublicKeyPem).DefaultTimeout();
        try
        {
            await using var relay = new RelayFactory(fixture.Reflector, new Dictionary<string, string?>
            {
                ["Authentication:Jwt:PublicKeyFile"] = publicKeyFile,
            });
            return await test(relay);
        }
        finally
        {
            File.Delete(publicKeyFile);
        }
    }
}
