using System.Net;
using System.Net.Http.Headers;
using Reflector.Relay.Tests.Infrastructure;

namespace Reflector.Relay.Tests.Auth;

/// <summary>
/// Reflector refuses a token without <c>email</c>; the relay refuses it at the door, saying why, instead of
/// accepting it and then failing upstream on every try.
/// </summary>
public sealed class RequiredClaimsTests(ReflectorFixture fixture) : IClassFixture<ReflectorFixture>
{
    private static string NewUser() => "claims-" + Guid.NewGuid().ToString("N");

    [Fact]
    public async Task A_token_without_an_email_is_refused_at_negotiate_with_a_401_that_says_so()
    {
        await using var relay = new RelayFactory(fixture.Reflector);
        var token = fixture.Reflector.IssueToken(NewUser(), TimeSpan.FromHours(1), extraClaims: new Dictionary<string, object?> { ["email"] = null });

        var (status, body) = await NegotiateAsync(relay, token);

        Assert.Equal(HttpStatusCode.Unauthorized, status);
        Assert.Contains("'email'", body, StringComparison.Ordinal);
        Assert.Contains("Authentication:RequiredClaims", body, StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_empty_email_counts_as_none()
    {
        await using var relay = new RelayFactory(fixture.Reflector);
        var token = fixture.Reflector.IssueToken(NewUser(), TimeSpan.FromHours(1), extraClaims: new Dictionary<string, object?> { ["email"] = "" });

        Assert.Equal(HttpStatusCode.Unauthorized, (await NegotiateAsync(relay, token)).Status);
    }

    [Fact]
    public async Task The_required_claims_are_configurable_and_a_blank_entry_requires_none()
    {
        await using var strict = new RelayFactory(fixture.Reflector, new Dictionary<string, string?> { ["Authentication:RequiredClaims:0"] = "name" });
        await using var lenient = new RelayFactory(fixture.Reflector, new Dictionary<string, string?> { ["Authentication:RequiredClaims:0"] = "" });
        var withoutEmail = fixture.Reflector.IssueToken(NewUser(), TimeSpan.FromHours(1), extraClaims: new Dictionary<string, object?> { ["email"] = null });

        var (status, body) = await NegotiateAsync(strict, fixture.Reflector.IssueToken(NewUser(), TimeSpan.FromHours(1)));
        Assert.Equal(HttpStatusCode.Unauthorized, status);
        Assert.Contains("'name'", body, StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.OK, (await NegotiateAsync(lenient, withoutEmail)).Status);
    }

    [Fact]
    public async Task With_several_ways_of_validating_tokens_the_refusal_is_written_once()
    {
        await using var relay = new RelayFactory(fixture.Reflector, new Dictionary<string, string?>
        {
            ["Authentication:Jwt:SecretKey"] = fixture.Reflector.SecretKey,
            ["Authentication:Jwt:Issuer"] = "https://reflector.example",
        });
        var token = fixture.Reflector.IssueToken(
            NewUser(), TimeSpan.FromHours(1), extraClaims: new Dictionary<string, object?> { ["email"] = null, ["iss"] = "https://reflector.example" });

        var (status, body) = await NegotiateAsync(relay, token);

        Assert.Equal(HttpStatusCode.Unauthorized, status);
        Assert.Equal(2, body.Split("Authentication:RequiredClaims").Length);
    }

    private static async Task<(HttpStatusCode Status, string Body)> NegotiateAsync(RelayFactory relay, string token)
    {
        using var http = new HttpClient();
        using var request = new HttpRequestMessage(HttpMethod.Post, new Uri(relay.BaseAddress, Negotiation.Path));
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        using var response = await http.SendAsync(request).DefaultTimeout();
        return (response.StatusCode, await response.Content.ReadAsStringAsync());
    }
}
