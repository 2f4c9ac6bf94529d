using System.Security.Claims;
using Microsoft.IdentityModel.Tokens;
using Reflector.Relay.Auth;

namespace Reflector.Relay.Tests.Auth;

public sealed class SlimPrincipalTests
{
    [Fact]
    public void Only_the_claims_the_relay_reads_are_kept_as_they_were_and_nothing_refers_to_the_validated_token()
    {
        var validated = new CaseSensitiveClaimsIdentity(
            [
                new Claim("sub", "alice", ClaimValueTypes.String, "https://issuer"),
                new Claim("iss", "https://issuer"),
                new Claim("exp", "1800000000", ClaimValueTypes.Integer64),
                new Claim("email", "alice@example.com"),
                new Claim("name", "Alice"),
                new Claim("aud", "reflector"),
            ],
            "AuthenticationTypes.Federation")
        {
            BootstrapContext = "the encoded token",
        };

        var slim = SlimPrincipal.From(new ClaimsPrincipal(validated));

        var identity = Assert.Single(slim.Identities);
        Assert.True(identity.IsAuthenticated);
        Assert.IsType<ClaimsIdentity>(identity);
        Assert.Null(identity.BootstrapContext);
        Assert.Equal(
            ["sub alice http://www.w3.org/2001/XMLSchema#string https://issuer", "iss https://issuer http://www.w3.org/2001/XMLSchema#string LOCAL AUTHORITY", "exp 1800000000 http://www.w3.org/2001/XMLSchema#integer64 LOCAL AUTHORITY"],
            identity.Claims.Select(claim => $"{claim.Type} {claim.Value} {claim.ValueType} {claim.Issuer}"));
        Assert.All(identity.Claims, claim => Assert.Same(identity, claim.Subject));
    }

    [Fact]
    public void A_subject_given_twice_stays_twice_so_the_user_key_still_refuses_it()
    {
        var validated = new ClaimsIdentity([new Claim("sub", "a"), new Claim("sub", "b")], "jwt");

        var slim = SlimPrincipal.From(new ClaimsPrincipal(validated));

        Assert.Equal(2, slim.FindAll("sub").Count());
        Assert.False(UserKeys.TryGet(slim, qualifyByIssuer: false, out _));
    }
}
