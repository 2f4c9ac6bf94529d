using System.Net;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;
using Reflector.Relay.Events;
using Reflector.Relay.Tests.Infrastructure;

namespace Reflector.Relay.Tests.Auth;

/// <summary>
/// Deployments of Reflector's <c>password</c> auth backend: HS256 tokens signed with its <c>SECRET_KEY</c> (claims
/// <c>sub</c>, <c>email</c>, <c>exp</c>), validated as that backend validates them, alone or beside another way.
/// </summary>
public sealed class PasswordBackendTests(ReflectorFixture fixture) : IClassFixture<ReflectorFixture>
{
    private static string NewUser() => "password-" + Guid.NewGuid().ToString("N");

    private RelayFactory SecretKeyOnly(string? secret = null) => new(fixture.Reflector, new Dictionary<string, string?>
    {
        ["Authentication:Jwt:PublicKeyFile"] = null,
        ["Authentication:Jwt:Audience"] = null,
        ["Authentication:Jwt:SecretKey"] = secret ?? fixture.Reflector.SecretKey,
    });

    [Fact]
    public async Task A_token_from_reflectors_login_connects_and_its_user_receives_events_through_reflector()
    {
        await using var relay = SecretKeyOnly();
        var userId = NewUser();
        await using var tab = relay.CreateClient(fixture.Reflector.IssuePasswordToken(userId, TimeSpan.FromHours(24)));
        await tab.StartAsync();
        await tab.WaitForStateAsync(UpstreamState.Connected);

        await fixture.Reflector.EmitAsync(userId, "TRANSCRIPT_CREATED", new { id = "from-password-login" });

        Assert.Equal(new InvalidateMessage.TranscriptCreated("from-password-login"), await tab.NextMessageAsync());
    }

    [Fact]
    public async Task A_secret_read_from_a_file_validates_the_same_tokens()
    {
        var file = Path.GetTempFileName();
        await File.WriteAllTextAsync(file, fixture.Reflector.SecretKey + "\n");
        try
        {
            await using var relay = new RelayFactory(fixture.Reflector, new Dictionary<string, string?>
            {
                ["Authentication:Jwt:PublicKeyFile"] = null,
                ["Authentication:Jwt:SecretKeyFile"] = file,
            });

            Assert.Equal(HttpStatusCode.OK, (await relay.NegotiateAsync(fixture.Reflector.IssuePasswordToken(NewUser(), TimeSpan.FromHours(1)))).Status);
        }
        finally
        {
            File.Delete(file);
        }
    }

    [Fact]
    public async Task Tokens_signed_with_another_secret_expired_or_naming_an_audience_are_401()
    {
        await using var relay = SecretKeyOnly();
        var now = DateTimeOffset.UtcNow;
        var otherSecret = Sign("another-secret-that-is-long-enough-for-hs256", new() { ["sub"] = NewUser(), ["email"] = "a@example.com", ["exp"] = now.AddHours(1).ToUnixTimeSeconds() });
        var expired = Sign(fixture.Reflector.SecretKey, new() { ["sub"] = NewUser(), ["email"] = "a@example.com", ["exp"] = now.AddMinutes(-1).ToUnixTimeSeconds() });
        var withAudience = Sign(fixture.Reflector.SecretKey, new()
        {
            ["sub"] = NewUser(), ["email"] = "a@example.com", ["exp"] = now.AddHours(1).ToUnixTimeSeconds(), ["aud"] = "reflector",
        });

        Assert.Equal(HttpStatusCode.Unauthorized, (await relay.NegotiateAsync(otherSecret)).Status);
        Assert.Equal(HttpStatusCode.Unauthorized, (await relay.NegotiateAsync(expired)).Status);
        Assert.Equal(HttpStatusCode.Unauthorized, (await relay.NegotiateAsync(withAudience)).Status);
        // The control: the same claims, the right secret, no audience.
        var valid = Sign(fixture.Reflector.SecretKey, new() { ["sub"] = NewUser(), ["email"] = "a@example.com", ["exp"] = now.AddHours(1).ToUnixTimeSeconds() });
        Assert.Equal(HttpStatusCode.OK, (await relay.NegotiateAsync(valid)).Status);
    }

    [Fact]
    public async Task A_token_of_the_public_key_backend_is_401_when_only_the_secret_is_trusted()
    {
        await using var relay = SecretKeyOnly();

        Assert.Equal(HttpStatusCode.Unauthorized, (await relay.NegotiateAsync(relay.TokenFor(NewUser()))).Status);
    }

    [Fact]
    public async Task Beside_the_public_key_both_kinds_connect_and_the_same_sub_from_each_is_two_users()
    {
        await using var relay = new RelayFactory(fixture.Reflector, new Dictionary<string, string?>
        {
            ["Authentication:Jwt:SecretKey"] = fixture.Reflector.SecretKey,
            ["Authentication:Jwt:Issuer"] = "https://reflector.example",
        });
        var sub = NewUser();
        await using var passwordTab = relay.CreateClient(fixture.Reflector.IssuePasswordToken(sub, TimeSpan.FromHours(1)));
        await using var publicKeyTab = relay.CreateClient(fixture.Reflector.IssueToken(
            sub, TimeSpan.FromHours(1), extraClaims: new Dictionary<string, object?> { ["iss"] = "https://reflector.example" }));
        await passwordTab.StartAsync();
        await publicKeyTab.StartAsync();
        await passwordTab.WaitForStateAsync(UpstreamState.Connected);
        await publicKeyTab.WaitForStateAsync(UpstreamState.Connected);

        Assert.Equal(1, relay.Upstreams.ConnectionsOf("reflector:password-backend " + sub));
        Assert.Equal(1, relay.Upstreams.ConnectionsOf("https://reflector.example " + sub));
    }

    private static string Sign(string secret, Dictionary<string, object> claims) =>
        new JsonWebTokenHandler { SetDefaultTimesOnTokenCreation = false }.CreateToken(new SecurityTokenDescriptor
        {
            Claims = claims,
            SigningCredentials = new SigningCredentials(new SymmetricSecurityKey(System.Text.Encoding.UTF8.GetBytes(secret)), SecurityAlgorithms.HmacSha256),
        });
}
