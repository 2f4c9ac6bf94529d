using System.Net.WebSockets;
using Microsoft.AspNetCore.SignalR.Client;
using Reflector.Relay.Events;

namespace Reflector.Relay.FunctionalTests.Hosting;

/// <summary>Start-up and shutdown of the relay as a real process, the way an operator meets them.</summary>
public sealed class RelayProcessTests(ReflectorFixture fixture) : IClassFixture<ReflectorFixture>, IDisposable
{
    private readonly string _publicKeyFile = WritePublicKey(fixture);

    [Theory]
    [InlineData("Upstream__EventsUrl", "", "Upstream:EventsUrl (environment variable Upstream__EventsUrl) is required")]
    [InlineData("Upstream__EventsUrl", "https://reflector.example.com/v1/events", "Upstream:EventsUrl must be a ws:// or wss:// URL")]
    [InlineData("Upstream__Linger", "-00:00:01", "Upstream:Linger must not be negative")]
    [InlineData("Authentication__Jwt__PublicKeyFile", "", "No way to validate tokens is configured")]
    [InlineData("Limits__TranscriptRefusalMemory", "-00:00:01", "Limits:TranscriptRefusalMemory (Limits__TranscriptRefusalMemory) must not be negative")]
    [InlineData("Limits__TranscriptStreamsPerUserPerMinute", "0", "Limits:TranscriptStreamsPerUserPerMinute (Limits__TranscriptStreamsPerUserPerMinute) must be at least 1")]
    [InlineData("Upstream__MaxConcurrentTranscriptHandshakes", "0", "Upstream:MaxConcurrentTranscriptHandshakes must be at least 1")]
    [InlineData("Metrics__Port", "65536", "Metrics:Port (Metrics__Port) must be a TCP port from 1 to 65535")]
    [InlineData("Authentication__UserIdClaim", "uid", "Authentication:UserIdClaim (Authentication__UserIdClaim) is 'uid', but the option is gone")]
    [InlineData("ForwardedHeaders__KnownNetworks__0", "10.0.0.0", "ForwardedHeaders:KnownNetworks:0 (ForwardedHeaders__KnownNetworks__0) must be a network in CIDR notation")]
    [InlineData("ForwardedHeaders__KnownProxies__0", "proxy.example", "ForwardedHeaders:KnownProxies:0 (ForwardedHeaders__KnownProxies__0) must be an IP address")]
    public async Task A_bad_configuration_stops_the_relay_at_start_with_a_message_naming_the_key(string key, string value, string expected)
    {
        var environment = ValidEnvironment();
        environment[key] = value;
        using var relay = new RelayProcess(environment);

        var exitCode = await relay.WaitForExitAsync();

        Assert.Equal(1, exitCode);
        Assert.Contains(expected, relay.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Several_bad_sections_are_all_named_in_one_message()
    {
        var environment = ValidEnvironment();
        environment["Upstream__EventsUrl"] = "";
        environment["Authentication__Jwt__PublicKeyFile"] = "";
        using var relay = new RelayProcess(environment);

        Assert.Equal(1, await relay.WaitForExitAsync());
        Assert.Contains("cannot start, the configuration is invalid", relay.Output, StringComparison.Ordinal);
        Assert.Contains("Upstream:EventsUrl", relay.Output, StringComparison.Ordinal);
        Assert.Contains("No way to validate tokens is configured", relay.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Sigterm_closes_upstream_sockets_cleanly_and_exits_zero()
    {
        using var relay = new RelayProcess(ValidEnvironment());
        var address = await relay.Listening.DefaultTimeout();
        var users = new[] { "sigterm-a-" + Guid.NewGuid().ToString("N"), "sigterm-b-" + Guid.NewGuid().ToString("N") };
        var clients = new List<RelayClient>();
        foreach (var userId in users)
        {
            var token = fixture.Reflector.IssueToken(userId, TimeSpan.FromHours(1));
            var client = new RelayClient(new HubConnectionBuilder()
                .WithUrl(new Uri(address, "/hubs/user-events"), options => options.AccessTokenProvider = () => Task.FromResult<string?>(token))
                .Build());
            clients.Add(client);
            await client.StartAsync();
            await client.WaitForStateAsync(UpstreamState.Connected);
            await fixture.Reflector.WaitForOpenSocketsAsync(userId, 1, TestTimeouts.Default);
        }

        var closesBefore = fixture.Reflector.ClientCloseStatuses.Count;
        relay.SendSigterm();

        Assert.Equal(0, await relay.WaitForExitAsync());
        foreach (var userId in users)
        {
            await fixture.Reflector.WaitForOpenSocketsAsync(userId, 0, TestTimeouts.Default);
        }

        var closes = fixture.Reflector.ClientCloseStatuses.Skip(closesBefore).ToArray();
        Assert.Equal(users.Length, closes.Length);
        Assert.All(closes, status => Assert.Equal(WebSocketCloseStatus.EndpointUnavailable, status));
        await Task.WhenAll(clients.Select(client => client.Closed)).DefaultTimeout();
        foreach (var client in clients)
        {
            await client.DisposeAsync();
        }
    }

    public void Dispose() => File.Delete(_publicKeyFile);

    private Dictionary<string, string?> ValidEnvironment() => new()
    {
        ["Upstream__EventsUrl"] = fixture.Reflector.EventsUrl.ToString(),
        ["Authentication__Jwt__PublicKeyFile"] = _publicKeyFile,
        ["Authentication__Jwt__Audience"] = fixture.Reflector.Audience,
    };

    private static string WritePublicKey(ReflectorFixture fixture)
    {
        var path = Path.GetTempFileName();
        File.WriteAllText(path, fixture.Reflector.PublicKeyPem);
        return path;
    }
}
