using System.Security.Claims;
using Microsoft.AspNetCore.Connections;
using Microsoft.AspNetCore.SignalR;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Reflector.Relay.Auth;

namespace Reflector.Relay.Tests.Auth;

/// <summary>The user key every per-user structure uses: the token's <c>sub</c>, qualified by its issuer when several are trusted.</summary>
public sealed class UserIdTests
{
    private static readonly RelayAuthenticationOptions OneIssuer = new() { Jwt = { PublicKeyFile = "/keys/reflector.pem", Audience = "reflector" } };

    private static readonly RelayAuthenticationOptions SeveralIssuers = new()
    {
        Jwt = { PublicKeyFile = "/keys/reflector.pem", Audience = "reflector", Authority = "https://idp.example/" },
    };

    [Fact]
    public void With_one_issuer_trusted_the_user_is_the_subject()
    {
        var keys = Keys(OneIssuer);

        Assert.True(keys.TryGet(User(("sub", "alice"), ("iss", "https://a.example")), out var key));
        Assert.Equal("alice", key);
    }

    [Fact]
    public void With_several_issuers_trusted_the_same_subject_from_two_of_them_is_two_users()
    {
        var keys = Keys(SeveralIssuers);

        Assert.True(keys.TryGet(User(("sub", "alice"), ("iss", "https://a.example")), out var fromA));
        Assert.True(keys.TryGet(User(("sub", "alice"), ("iss", "https://b.example")), out var fromB));
        Assert.NotEqual(fromA, fromB);
    }

    [Fact]
    public void With_several_issuers_trusted_a_token_without_an_issuer_has_no_key()
    {
        Assert.False(Keys(SeveralIssuers).TryGet(User(("sub", "alice")), out _));
        Assert.False(Keys(SeveralIssuers).TryGet(User(("sub", "alice"), ("iss", " ")), out _));
    }

    [Fact]
    public void Another_claim_never_names_the_user()
    {
        var keys = Keys(OneIssuer);

        // Same uid and oid, different subjects: two people, as Reflector sees them.
        keys.TryGet(User(("sub", "alice"), ("uid", "shared"), ("oid", "shared")), out var alice);
        keys.TryGet(User(("sub", "bob"), ("uid", "shared"), ("oid", "shared")), out var bob);

        Assert.Equal("alice", alice);
        Assert.Equal("bob", bob);
        Assert.False(keys.TryGet(User(("uid", "shared")), out _));
    }

    public static TheoryData<string, Claim[]> Unkeyable => new()
    {
        { "no sub", [new Claim("iss", "https://a.example")] },
        { "an empty sub", [new Claim("sub", "")] },
        { "a blank sub", [new Claim("sub", "  ")] },
        { "two subs", [new Claim("sub", "alice"), new Claim("sub", "bob")] },
        { "a numeric sub", [new Claim("sub", "42", ClaimValueTypes.Integer64)] },
    };

    [Theory]
    [MemberData(nameof(Unkeyable))]
    public void A_token_without_exactly_one_non_blank_string_sub_has_no_key(string shape, Claim[] claims)
    {
        Assert.False(Keys(OneIssuer).TryGet(new ClaimsPrincipal(new ClaimsIdentity(claims, "test")), out var key), $"{shape} gave '{key}'");
    }

    [Fact]
    public void An_unauthenticated_identity_has_no_key_whatever_its_claims()
    {
        var anonymous = new ClaimsPrincipal(new ClaimsIdentity([new Claim("sub", "alice")]));

        Assert.False(Keys(OneIssuer).TryGet(anonymous, out _));
    }

    [Fact]
    public void The_SignalR_user_id_is_the_user_key()
    {
        var keys = Keys(SeveralIssuers);
        var provider = new UserKeyIdProvider(keys);
        var user = User(("sub", "alice"), ("iss", "https://a.example"));
        keys.TryGet(user, out var key);

        Assert.Equal(key, provider.GetUserId(Connection(user)));
        Assert.Null(provider.GetUserId(Connection(User(("sub", "alice")))));
    }

    [Theory]
    [InlineData("uid")]
    [InlineData("oid")]
    [InlineData("Sub")]
    [InlineData("")]
    public void A_user_id_claim_other_than_sub_stops_the_relay_and_says_why(string claim)
    {
        var result = Validate(new Dictionary<string, string?> { ["Authentication:UserIdClaim"] = claim });

        Assert.True(result.Failed);
        Assert.Contains("Authentication:UserIdClaim (Authentication__UserIdClaim)", result.FailureMessage, StringComparison.Ordinal);
        Assert.Contains("keys users by the sub claim, as Reflector", result.FailureMessage, StringComparison.Ordinal);
    }

    [Fact]
    public void A_user_id_claim_of_sub_or_none_is_accepted()
    {
        Assert.True(Validate(new Dictionary<string, string?> { ["Authentication:UserIdClaim"] = "sub" }).Succeeded);
        Assert.True(Validate([]).Succeeded);
    }

    private static ValidateOptionsResult Validate(Dictionary<string, string?> settings)
    {
        // The Entra section alone is a valid way of validating tokens and needs no key file.
        settings["AzureAd:ClientId"] = Guid.NewGuid().ToString();
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(settings).Build();
        return new RelayAuthenticationOptionsValidator(configuration).Validate(null, new RelayAuthenticationOptions());
    }

    private static UserKeys Keys(RelayAuthenticationOptions options) => new(Options.Create(options), new ConfigurationBuilder().Build());

    private static ClaimsPrincipal User(params (string Type, string Value)[] claims) =>
        new(new ClaimsIdentity(claims.Select(c => new Claim(c.Type, c.Value)), "test"));

    private static HubConnectionContext Connection(ClaimsPrincipal user) =>
        new(new DefaultConnectionContext { User = user }, new HubConnectionContextOptions(), NullLoggerFactory.Instance);
}
