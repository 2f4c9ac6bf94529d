using System.Security.Claims;
using Microsoft.AspNetCore.Connections;
using Microsoft.AspNetCore.SignalR;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Reflector.Relay.Auth;

namespace Reflector.Relay.Tests.Auth;

public sealed class UserIdTests
{
    [Fact]
    public void With_one_issuer_trusted_the_user_is_the_subject()
    {
        var provider = Provider(new RelayAuthenticationOptions { Jwt = { PublicKeyFile = "/keys/reflector.pem", Audience = "reflector" } });

        Assert.Equal("alice", provider.GetUserId(Connection(("sub", "alice"), ("iss", "https://a.example"))));
    }

    [Fact]
    public void With_several_issuers_trusted_the_same_subject_from_two_of_them_is_two_users()
    {
        var provider = Provider(new RelayAuthenticationOptions
        {
            Jwt = { PublicKeyFile = "/keys/reflector.pem", Audience = "reflector", Authority = "https://idp.example/" },
        });

        var fromA = provider.GetUserId(Connection(("sub", "alice"), ("iss", "https://a.example")));
        var fromB = provider.GetUserId(Connection(("sub", "alice"), ("iss", "https://b.example")));
        var noIssuer = provider.GetUserId(Connection(("sub", "alice")));

        Assert.NotNull(fromA);
        Assert.NotNull(fromB);
        Assert.NotEqual(fromA, fromB);
        Assert.Null(noIssuer);
    }

    private static ClaimUserIdProvider Provider(RelayAuthenticationOptions options) =>
        new(Options.Create(options), new ConfigurationBuilder().Build());

    private static HubConnectionContext Connection(params (string Type, string Value)[] claims)
    {
        var user = new ClaimsPrincipal(new ClaimsIdentity(claims.Select(c => new Claim(c.Type, c.Value)), "test"));
        return new HubConnectionContext(new DefaultConnectionContext { User = user }, new HubConnectionContextOptions(), NullLoggerFactory.Instance);
    }
}
