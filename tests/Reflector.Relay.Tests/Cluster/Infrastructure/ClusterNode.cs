using System.Globalization;
using Microsoft.AspNetCore.Http.Connections;
using Microsoft.AspNetCore.SignalR.Client;
using Reflector.Relay.Tests.Infrastructure;
using Reflector.Simulator;

namespace Reflector.Relay.Tests.Cluster.Infrastructure;

/// <summary>
/// One relay of a cluster: its own process (so it can be killed with SIGKILL or paused with SIGSTOP, which an
/// in-process host cannot be), on 127.0.0.1, pointed at the simulated Reflector and at Redis.
/// </summary>
internal sealed class ClusterNode : IAsyncDisposable
{
    private readonly RelayProcess _process;
    private readonly SimulatedReflector _reflector;
    private readonly string _publicKeyFile;
    private readonly HttpClient _http = new();
    private int _disposed;

    private ClusterNode(string name, RelayProcess process, SimulatedReflector reflector, string publicKeyFile, int? metricsPort)
    {
        Name = name;
        _process = process;
        _reflector = reflector;
        _publicKeyFile = publicKeyFile;
        MetricsPort = metricsPort;
    }

    /// <summary>Its label in diagnostics (<c>node-1</c>, …).</summary>
    public string Name { get; }

    public Uri BaseAddress { get; private set; } = null!;

    public Uri HubUrl => new(BaseAddress, "/hubs/user-events");

    /// <summary>Where <c>/metrics</c> answers: the main address, or the <c>Metrics__Port</c> one when given.</summary>
    public Uri MetricsUrl => MetricsPort is { } port
        ? new UriBuilder(BaseAddress) { Port = port, Path = "/metrics" }.Uri
        : new Uri(BaseAddress, "/metrics");

    public int ProcessId => _process.Id;

    public bool HasExited => _process.HasExited;

    public bool IsPaused => _process.IsPaused;

    /// <summary>Everything the process printed (Information and up), for a failing test's output.</summary>
    public string Output => _process.Output;

    private int? MetricsPort { get; }

    /// <summary>Starts a relay process and returns once it reports "Application started"; throws with its output if it exits first.</summary>
    public static async Task<ClusterNode> StartAsync(
        string name, SimulatedReflector reflector, string redisConnectionString, IDictionary<string, string?>? extraEnvironment = null)
    {
        var publicKeyFile = Path.Combine(Path.GetTempPath(), $"relay-test-{Guid.NewGuid():N}.pem");
        await File.WriteAllTextAsync(publicKeyFile, reflector.PublicKeyPem);
        var environment = new Dictionary<string, string?>
        {
            ["Upstream__EventsUrl"] = reflector.EventsUrl.ToString(),
            ["Authentication__Jwt__PublicKeyFile"] = publicKeyFile,
            ["Authentication__Jwt__Audience"] = reflector.Audience,
            ["ConnectionStrings__Redis"] = redisConnectionString,
            // Fast reconnects keep tests short, as in RelayFactory.
            ["Upstream__ReconnectDelay"] = "00:00:00.050",
            ["Upstream__MaxReconnectDelay"] = "00:00:00.300",
            // Information, so a failing test's output tells which node did what.
            ["Serilog__MinimumLevel__Default"] = "Information",
        };
        foreach (var (key, value) in extraEnvironment ?? new Dictionary<string, string?>())
        {
            environment[key] = value;
        }

        var metricsPort = environment.GetValueOrDefault("Metrics__Port") is { } port ? int.Parse(port, CultureInfo.InvariantCulture) : (int?)null;
        var node = new ClusterNode(name, new RelayProcess(environment), reflector, publicKeyFile, metricsPort);
        try
        {
            var process = node._process;
            await Task.WhenAny(process.Started, process.Exited).DefaultTimeout();
            if (!process.Started.IsCompleted)
            {
                throw new InvalidOperationException($"{name} exited before it started:{Environment.NewLine}{process.Output}");
            }

            var addresses = await process.Started;
            node.BaseAddress = addresses.First(address => address.Port != metricsPort);
            return node;
        }
        catch (TimeoutException exception)
        {
            await node.DisposeAsync();
            throw new TimeoutException($"{name} did not start in time:{Environment.NewLine}{node.Output}", exception);
        }
        catch
        {
            await node.DisposeAsync();
            throw;
        }
    }

    /// <summary>A SignalR client over WebSockets, not started, as a browser tab would be.</summary>
    /// <param name="configure">More client settings, such as <c>WithAutomaticReconnect()</c>.</param>
    public RelayClient CreateClient(string? token, bool statefulReconnect = false, Action<IHubConnectionBuilder>? configure = null)
    {
        var builder = new HubConnectionBuilder()
            .WithUrl(HubUrl, options =>
            {
                options.Transports = HttpTransportType.WebSockets;
                options.AccessTokenProvider = () => Task.FromResult(token);
            });
        if (statefulReconnect)
        {
            builder.WithStatefulReconnect();
        }

        configure?.Invoke(builder);
        return new(builder.Build());
    }

    /// <summary>A started client of <paramref name="userId"/>, with an hour's token from the simulator.</summary>
    public async Task<RelayClient> ConnectAsync(string userId, bool statefulReconnect = false, Action<IHubConnectionBuilder>? configure = null)
    {
        var client = CreateClient(_reflector.IssueToken(userId, TimeSpan.FromHours(1)), statefulReconnect, configure);
        try
        {
            await client.StartAsync();
            return client;
        }
        catch
        {
            await client.DisposeAsync();
            throw;
        }
    }

    public Task<PrometheusScrape> ScrapeMetricsAsync() => PrometheusScrape.FromAsync(_http, MetricsUrl);

    /// <inheritdoc cref="RelayProcess.KillAsync"/>
    public Task KillAsync() => _process.KillAsync();

    /// <inheritdoc cref="RelayProcess.PauseAsync"/>
    public Task PauseAsync() => _process.PauseAsync();

    /// <inheritdoc cref="RelayProcess.ResumeAsync"/>
    public Task ResumeAsync() => _process.ResumeAsync();

    /// <inheritdoc cref="RelayProcess.SendSigterm"/>
    public void SendSigterm() => _process.SendSigterm();

    /// <summary>Its exit code once it has exited (137 after SIGKILL).</summary>
    public Task<int> WaitForExitAsync() => _process.WaitForExitAsync();

    /// <summary>SIGKILL if still running; safe to call twice (a test's cluster and the fixture both dispose it).</summary>
    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) == 1)
        {
            return;
        }

        try
        {
            await _process.KillAsync();
        }
        finally
        {
            _process.Dispose();
            _http.Dispose();
            File.Delete(_publicKeyFile);
        }
    }
}
