using System.Net;
using System.Net.Sockets;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Configuration;
using Reflector.Relay.Diagnostics;

namespace Reflector.Relay.FunctionalTests.Diagnostics;

/// <summary>
/// <c>Metrics:Port</c>, tried on the relay as its own process: its listeners come from the environment
/// (ASPNETCORE_URLS here) the way a container's do, and the metrics port must be added to them, not replace them.
/// </summary>
public sealed class MetricsPortTests(ReflectorFixture fixture) : IClassFixture<ReflectorFixture>, IDisposable
{
    private readonly string _publicKeyFile = WritePublicKey(fixture);

    [Fact]
    public async Task With_a_metrics_port_metrics_are_served_there_and_the_relays_own_port_keeps_everything_else()
    {
        var metricsPort = FreePort();
        using var relay = StartRelay(metricsPort);
        var (main, metrics) = await AddressesAsync(relay, metricsPort);
        using var http = new HttpClient();

        var scrape = await PrometheusScrape.FromAsync(http, new Uri(metrics, "/metrics"));
        Assert.True(scrape.Has("reflector_relay_upstream_open_sockets"), "the relay's own instruments are missing");
        Assert.Equal(HttpStatusCode.NotFound, await StatusAsync(http, HttpMethod.Get, new Uri(main, "/metrics")));

        // The relay's port still serves health and the hub: a valid token negotiates.
        Assert.Equal(HttpStatusCode.OK, await StatusAsync(http, HttpMethod.Get, new Uri(main, "/healthz")));
        Assert.Equal(HttpStatusCode.OK, await StatusAsync(http, HttpMethod.Get, new Uri(main, "/readyz")));
        Assert.Equal(HttpStatusCode.OK, await NegotiateAsync(http, main));

        // The metrics port serves nothing but metrics.
        Assert.Equal(HttpStatusCode.NotFound, await StatusAsync(http, HttpMethod.Get, new Uri(metrics, "/healthz")));
        Assert.Equal(HttpStatusCode.NotFound, await NegotiateAsync(http, metrics));
    }

    [Theory]
    [InlineData("/metrics")]
    [InlineData("/METRICS")]
    [InlineData("/metrics/")]
    public async Task A_host_header_naming_the_metrics_port_does_not_bring_metrics_to_the_relays_port(string path)
    {
        var metricsPort = FreePort();
        using var relay = StartRelay(metricsPort);
        var (main, metrics) = await AddressesAsync(relay, metricsPort);
        using var http = new HttpClient();

        using var spoofed = new HttpRequestMessage(HttpMethod.Get, new Uri(main, path));
        spoofed.Headers.Host = $"127.0.0.1:{metricsPort}";
        using var response = await http.SendAsync(spoofed).DefaultTimeout();

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        // The same path does reach metrics on the metrics port: the 404 above is the port's doing.
        Assert.Equal(HttpStatusCode.OK, await StatusAsync(http, HttpMethod.Get, new Uri(metrics, path)));
    }

    [Theory]
    [InlineData(0)]
    [InlineData(-1)]
    [InlineData(65536)]
    public void A_port_out_of_range_is_refused_naming_the_key(int port)
    {
        var result = new MetricsOptionsValidator([]).Validate(null, new MetricsOptions { Port = port });

        Assert.True(result.Failed);
        Assert.Contains($"Metrics:Port (Metrics__Port) must be a TCP port from 1 to 65535; got {port}", result.FailureMessage, StringComparison.Ordinal);
    }

    [Fact]
    public void The_relays_own_port_is_refused_as_the_metrics_port()
    {
        var result = new MetricsOptionsValidator([BindingAddress.Parse("http://+:8080")]).Validate(null, new MetricsOptions { Port = 8080 });

        Assert.Contains("Metrics:Port (Metrics__Port) must differ from the port the relay serves on (http://+:8080)", result.FailureMessage, StringComparison.Ordinal);
    }

    [Fact]
    public void No_metrics_port_and_a_valid_one_pass() =>
        Assert.All(
            [new MetricsOptions(), new MetricsOptions { Port = 9464 }],
            options => Assert.True(new MetricsOptionsValidator([BindingAddress.Parse("http://+:8080")]).Validate(null, options).Succeeded));

    [Theory]
    [InlineData("http://127.0.0.1:5250", "8080", null, new[] { "http://127.0.0.1:5250" })]
    [InlineData(null, "8080;8081", "8443", new[] { "http://*:8080", "http://*:8081", "https://*:8443" })]
    [InlineData("", "8080", null, new[] { "http://*:8080" })]
    [InlineData(null, null, null, new[] { "http://localhost:5000" })]
    public void The_relays_addresses_are_worked_out_as_ASP_NET_Cores_host_does(string? urls, string? httpPorts, string? httpsPorts, string[] expected)
    {
        var configuration = new ConfigurationBuilder()
            .AddInMemoryCollection(new Dictionary<string, string?> { ["urls"] = urls, ["http_ports"] = httpPorts, ["https_ports"] = httpsPorts })
            .Build();

        Assert.Equal(expected, MetricsPortExtensions.RelayUrls(configuration));
    }

    public void Dispose() => File.Delete(_publicKeyFile);

    private RelayProcess StartRelay(int metricsPort) => new(new Dictionary<string, string?>
    {
        ["Upstream__EventsUrl"] = fixture.Reflector.EventsUrl.ToString(),
        ["Authentication__Jwt__PublicKeyFile"] = _publicKeyFile,
        ["Authentication__Jwt__Audience"] = fixture.Reflector.Audience,
        ["Metrics__Port"] = metricsPort.ToString(System.Globalization.CultureInfo.InvariantCulture),
    });

    /// <summary>The relay's own address (ASPNETCORE_URLS, port 0) and the metrics one, as Kestrel reports them.</summary>
    private static async Task<(Uri Main, Uri Metrics)> AddressesAsync(RelayProcess relay, int metricsPort)
    {
        var addresses = await relay.Started.DefaultTimeout();
        Assert.Equal(2, addresses.Count);
        return (Assert.Single(addresses, address => address.Port != metricsPort), Assert.Single(addresses, address => address.Port == metricsPort));
    }

    private async Task<HttpStatusCode> NegotiateAsync(HttpClient http, Uri baseAddress)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, new Uri(baseAddress, "/hubs/user-events/negotiate?negotiateVersion=1"));
        request.Headers.Authorization = new("Bearer", fixture.Reflector.IssueToken($"metrics-port-{Guid.NewGuid():N}", TimeSpan.FromHours(1)));
        using var response = await http.SendAsync(request).DefaultTimeout();
        return response.StatusCode;
    }

    private static async Task<HttpStatusCode> StatusAsync(HttpClient http, HttpMethod method, Uri url)
    {
        using var request = new HttpRequestMessage(method, url);
        using var response = await http.SendAsync(request).DefaultTimeout();
        return response.StatusCode;
    }

    /// <summary>A port nothing listens on right now (the OS picks it; it is released for the relay to take).</summary>
    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    private static string WritePublicKey(ReflectorFixture fixture)
    {
        var path = Path.GetTempFileName();
        File.WriteAllText(path, fixture.Reflector.PublicKeyPem);
        return path;
    }
}
