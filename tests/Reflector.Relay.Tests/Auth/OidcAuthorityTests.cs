using System.Net;
using System.Text.Json;
using Microsoft.AspNetCore.Authentication.JwtBearer;
using Microsoft.Extensions.DependencyInjection;
using Reflector.Relay.Auth;
using Reflector.Relay.Tests.Infrastructure;

namespace Reflector.Relay.Tests.Auth;

/// <summary>
/// Tokens validated through an OIDC authority (Authentik's URL shape): its discovery document and JWKS are
/// served from memory through the scheme's backchannel, so the real metadata path runs with no network.
/// </summary>
public sealed class OidcAuthorityTests(ReflectorFixture fixture) : IClassFixture<ReflectorFixture>
{
    private const string Authority = "https://idp.example.test/application/o/reflector/";
    private const string JwksUri = Authority + "jwks/";
    private const string Audience = "reflector-relay";

    private static readonly TestIssuer Idp = new("idp-key-1");
    private static readonly TestIssuer SameKidOtherKey = new("idp-key-1");
    private static readonly TestIssuer UnknownKid = new("idp-key-unknown");

    private readonly MetadataHandler _metadata = new MetadataHandler()
        .Serve(Authority + ".well-known/openid-configuration", JsonSerializer.Serialize(new Dictionary<string, object>
        {
            ["issuer"] = Authority,
            ["jwks_uri"] = JwksUri,
            ["authorization_endpoint"] = "https://idp.example.test/application/o/authorize/",
            ["token_endpoint"] = "https://idp.example.test/application/o/token/",
            ["id_token_signing_alg_values_supported"] = new[] { "RS256" },
            ["response_types_supported"] = new[] { "code" },
            ["subject_types_supported"] = new[] { "public" },
        }))
        .Serve(JwksUri, Idp.Jwks());

    private RelayFactory CreateRelay() => new(
        fixture.Reflector,
        new Dictionary<string, string?>
        {
            // The authority alone: the simulator's public key is not trusted here.
            ["Authentication:Jwt:PublicKeyFile"] = "",
            ["Authentication:Jwt:Authority"] = Authority,
            ["Authentication:Jwt:Audience"] = Audience,
        },
        services => services.Configure<JwtBearerOptions>(RelayAuthentication.AuthorityScheme, bearer => bearer.BackchannelHttpHandler = _metadata));

    private static string TokenFrom(
        TestIssuer signer,
        string issuer = Authority,
        string audience = Audience,
        DateTimeOffset? expires = null)
    {
        var claims = TestIssuer.Lifetime(expires ?? TestIssuer.InAnHour);
        claims["email"] = "someone@example.com";
        claims["iss"] = issuer;
        claims["aud"] = audience;
        claims["sub"] = "oidc-" + Guid.NewGuid().ToString("N");
        return signer.Sign(claims);
    }

    [Fact]
    public async Task A_token_signed_with_a_key_the_authority_publishes_negotiates()
    {
        await using var relay = CreateRelay();

        Assert.Equal(HttpStatusCode.OK, (await relay.NegotiateAsync(TokenFrom(Idp))).Status);

        // The keys came from the authority's own documents, through the backchannel.
        Assert.Contains(new Uri(Authority + ".well-known/openid-configuration"), _metadata.Requested);
        Assert.Contains(new Uri(JwksUri), _metadata.Requested);
    }

    [Fact]
    public async Task A_token_from_the_authority_in_the_access_token_query_negotiates()
    {
        await using var relay = CreateRelay();

        Assert.Equal(HttpStatusCode.OK, (await relay.NegotiateWithQueryTokenAsync(TokenFrom(Idp))).Status);
    }

    [Fact]
    public async Task A_token_signed_by_another_key_under_the_published_key_id_is_401()
    {
        await using var relay = CreateRelay();

        var refused = await relay.NegotiateAsync(TokenFrom(SameKidOtherKey));

        Assert.Equal(HttpStatusCode.Unauthorized, refused.Status);
        Assert.Contains("The signature is invalid", refused.Challenge, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_token_signed_by_a_key_the_authority_does_not_publish_is_401()
    {
        await using var relay = CreateRelay();

        var refused = await relay.NegotiateAsync(TokenFrom(UnknownKid));

        Assert.Equal(HttpStatusCode.Unauthorized, refused.Status);
        Assert.Contains("The signature key was not found", refused.Challenge, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_token_naming_another_issuer_is_401()
    {
        await using var relay = CreateRelay();

        var refused = await relay.NegotiateAsync(TokenFrom(Idp, issuer: "https://idp.example.test/application/o/other/"));

        Assert.Equal(HttpStatusCode.Unauthorized, refused.Status);
        Assert.Contains("The issuer", refused.Challenge, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_token_for_another_audience_is_401()
    {
        await using var relay = CreateRelay();

        var refused = await relay.NegotiateAsync(TokenFrom(Idp, audience: "another-client"));

        Assert.Equal(HttpStatusCode.Unauthorized, refused.Status);
        Assert.Contains("The audience", refused.Challenge, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_token_expired_seconds_ago_is_401()
    {
        await using var relay = CreateRelay();

        var refused = await relay.NegotiateAsync(TokenFrom(Idp, expires: DateTimeOffset.UtcNow.AddSeconds(-30)));

        Assert.Equal(HttpStatusCode.Unauthorized, refused.Status);
        Assert.Contains("The token expired", refused.Challenge, StringComparison.Ordinal);
    }
}
