using System.Net;
using Microsoft.AspNetCore.SignalR.Client;
using Reflector.Relay.Events;
using Reflector.Relay.Tests.Infrastructure;

namespace Reflector.Relay.Tests.Security;

public sealed class AbuseLimitTests(ReflectorFixture fixture) : IClassFixture<ReflectorFixture>
{
    private static string NewUser() => "limits-" + Guid.NewGuid().ToString("N");

    [Fact]
    public async Task A_connection_past_the_per_user_limit_is_closed_with_the_reason()
    {
        await using var relay = new RelayFactory(fixture.Reflector, new Dictionary<string, string?> { ["Limits:MaxConnectionsPerUser"] = "2" });
        var userId = NewUser();
        await using var first = await relay.ConnectAsync(userId);
        await first.WaitForStateAsync(UpstreamState.Connected);
        await using var second = await relay.ConnectAsync(userId);

        await using var third = relay.CreateClient(relay.TokenFor(userId));
        await third.StartAsync();
        var closedWith = await third.Closed.DefaultTimeout();

        Assert.NotNull(closedWith);
        Assert.Contains("Limits:MaxConnectionsPerUser", closedWith.Message, StringComparison.Ordinal);
        Assert.Equal(HubConnectionState.Connected, first.Connection.State);
        Assert.Equal(HubConnectionState.Connected, second.Connection.State);

        // The refused connection never counted: a place freed by a leaving tab can be taken.
        await first.DisposeAsync();
        await TestTimeouts.Eventually(() => relay.Upstreams.ConnectionsOf(userId) == 1, "the first tab was released");
        await using var replacement = await relay.ConnectAsync(userId);
        Assert.Equal(UpstreamState.Connected, (await replacement.NextStatusAsync()).State);
    }

    [Fact]
    public async Task Negotiation_is_rate_limited_per_user_with_429()
    {
        await using var relay = new RelayFactory(fixture.Reflector, new Dictionary<string, string?>
        {
            ["Limits:NegotiationsPerUserPerMinute"] = "3",
        });
        using var http = new HttpClient { BaseAddress = relay.BaseAddress };
        var flooder = NewUser();

        var statuses = new List<HttpStatusCode>();
        for (var i = 0; i < 5; i++)
        {
            statuses.Add(await NegotiateAsync(http, relay.TokenFor(flooder)));
        }

        Assert.Equal([HttpStatusCode.OK, HttpStatusCode.OK, HttpStatusCode.OK, HttpStatusCode.TooManyRequests, HttpStatusCode.TooManyRequests], statuses);

        // Another user from the same address is unaffected.
        Assert.Equal(HttpStatusCode.OK, await NegotiateAsync(http, relay.TokenFor(NewUser())));
    }

    [Fact]
    public async Task Negotiation_is_rate_limited_per_address_whatever_the_user()
    {
        await using var relay = new RelayFactory(fixture.Reflector, new Dictionary<string, string?>
        {
            ["Limits:NegotiationsPerAddressPerMinute"] = "4",
        });
        using var http = new HttpClient { BaseAddress = relay.BaseAddress };

        var statuses = new List<HttpStatusCode>();
        for (var i = 0; i < 6; i++)
        {
            statuses.Add(await NegotiateAsync(http, relay.TokenFor(NewUser())));
        }

        Assert.Equal(4, statuses.Count(status => status == HttpStatusCode.OK));
        Assert.Equal(2, statuses.Count(status => status == HttpStatusCode.TooManyRequests));
    }

    [Fact]
    public async Task Negotiations_without_a_valid_token_count_against_the_address_too()
    {
        await using var relay = new RelayFactory(fixture.Reflector, new Dictionary<string, string?>
        {
            ["Limits:NegotiationsPerAddressPerMinute"] = "3",
        });
        using var http = new HttpClient { BaseAddress = relay.BaseAddress };

        var statuses = new List<HttpStatusCode>();
        for (var i = 0; i < 5; i++)
        {
            statuses.Add(await NegotiateAsync(http, "not-a-token"));
        }

        Assert.Equal([HttpStatusCode.Unauthorized, HttpStatusCode.Unauthorized, HttpStatusCode.Unauthorized,
            HttpStatusCode.TooManyRequests, HttpStatusCode.TooManyRequests], statuses);
    }

    [Fact]
    public async Task A_client_sending_a_large_message_is_disconnected()
    {
        await using var relay = new RelayFactory(fixture.Reflector);
        await using var tab = await relay.ConnectAsync(NewUser());

        // Clients have nothing to say to the relay; a large invocation is abuse and ends the connection.
        _ = tab.Connection.SendAsync("anything", new string('x', 64 * 1024));

        Assert.NotNull(await tab.Closed.DefaultTimeout());
    }

    private static async Task<HttpStatusCode> NegotiateAsync(HttpClient http, string token)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, "/hubs/user-events/negotiate?negotiateVersion=1");
        request.Headers.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", token);
        using var response = await http.SendAsync(request).DefaultTimeout();
        return response.StatusCode;
    }
}
