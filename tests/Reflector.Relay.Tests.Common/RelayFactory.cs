using System.Net;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http.Connections;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.AspNetCore.SignalR;
using Microsoft.AspNetCore.SignalR.Client;
using Reflector.Relay.Hubs;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Reflector.Relay.Streams;
using Reflector.Simulator;

namespace Reflector.Relay.Tests.Common;

/// <summary>
/// The relay as deployed: its own Program, real Kestrel on 127.0.0.1, pointed at a simulated Reflector
/// and trusting its public key. Settings and services can be overridden per test.
/// </summary>
internal sealed class RelayFactory : WebApplicationFactory<Program>
{
    private readonly Dictionary<string, string?> _settings;
    private readonly Action<IServiceCollection>? _configureServices;
    private readonly string _publicKeyFile;

    public RelayFactory(
        SimulatedReflector reflector,
        IDictionary<string, string?>? settings = null,
        Action<IServiceCollection>? configureServices = null)
    {
        Reflector = reflector;
        _publicKeyFile = Path.Combine(Path.GetTempPath(), $"relay-test-{Guid.NewGuid():N}.pem");
        File.WriteAllText(_publicKeyFile, reflector.PublicKeyPem);
        _settings = new Dictionary<string, string?>
        {
            ["Upstream:EventsUrl"] = reflector.EventsUrl.ToString(),
            ["Authentication:Jwt:PublicKeyFile"] = _publicKeyFile,
            ["Authentication:Jwt:Audience"] = reflector.Audience,
            // Fast reconnects keep tests short; the backoff's shape is tested on its own with fake time.
            ["Upstream:ReconnectDelay"] = "00:00:00.050",
            ["Upstream:MaxReconnectDelay"] = "00:00:00.300",
            ["Serilog:MinimumLevel:Default"] = "Warning",
        };
        foreach (var (key, value) in settings ?? new Dictionary<string, string?>())
        {
            _settings[key] = value;
        }

        _configureServices = configureServices;
        UseKestrel(options => options.Listen(IPAddress.Loopback, 0));
    }

    public SimulatedReflector Reflector { get; }

    public Uri BaseAddress
    {
        get
        {
            StartServer();
            var address = Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
            return new Uri(address);
        }
    }

    public Uri HubUrl => new(BaseAddress, "/hubs/user-events");

    public UpstreamConnectionManager Upstreams => Services.GetRequiredService<UpstreamConnectionManager>();

    public string TokenFor(string userId, TimeSpan? lifetime = null) =>
        Reflector.IssueToken(userId, lifetime ?? TimeSpan.FromHours(1));

    /// <summary>A started SignalR client of <paramref name="userId"/>, as a browser tab would be.</summary>
    public async Task<RelayClient> ConnectAsync(string userId, HttpTransportType transport = HttpTransportType.WebSockets)
    {
        var client = CreateClient(TokenFor(userId), transport);
        await client.StartAsync();
        return client;
    }

    public RelayClient CreateClient(
        string? token, HttpTransportType transport = HttpTransportType.WebSockets, bool usesMessagePack = false, bool statefulReconnect = false)
    {
        var builder = new HubConnectionBuilder()
            .WithUrl(HubUrl, options =>
            {
                options.Transports = transport;
                options.AccessTokenProvider = () => Task.FromResult(token);
            });
        if (statefulReconnect)
        {
            builder.WithStatefulReconnect();
        }

        if (usesMessagePack)
        {
            // The relay's own contract formatters, as a .NET client sharing the records would register them.
            builder.AddMessagePackProtocol();
            builder.Services.AddSingleton<Microsoft.Extensions.Options.IConfigureOptions<MessagePackHubProtocolOptions>>(
                new ContractMessagePackSetup(Microsoft.Extensions.Options.Options.Create(new JsonHubProtocolOptions())));
        }

        return new(builder.Build());
    }

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        builder.UseEnvironment("Testing");
        builder.ConfigureAppConfiguration(configuration => configuration.AddInMemoryCollection(_settings));

        if (_configureServices is not null)
        {
            builder.ConfigureTestServices(_configureServices);
        }
    }

    public override async ValueTask DisposeAsync()
    {
        await base.DisposeAsync();
        File.Delete(_publicKeyFile);
    }
}
