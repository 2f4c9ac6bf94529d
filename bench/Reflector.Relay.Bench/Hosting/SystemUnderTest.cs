using System.Globalization;
using System.Text.RegularExpressions;
using Reflector.Relay.Bench.Clients;

namespace Reflector.Relay.Bench.Hosting;

/// <summary>
/// A simulated Reflector plus, for every system but <c>direct</c>, the server browsers connect to in front of it:
/// each its own process on 127.0.0.1, started fresh for the system and stopped after it.
/// </summary>
internal sealed partial class SystemUnderTest : IAsyncDisposable
{
    private readonly HttpClient _http = new() { Timeout = TimeSpan.FromSeconds(10) };

    private SystemUnderTest(string name, ServerProcess simulator, ServerProcess? front, TabProtocol protocol, Uri clientUrl, string keyFile)
    {
        Name = name;
        KeyFile = keyFile;
        Simulator = simulator;
        Front = front;
        Protocol = protocol;
        ClientUrl = clientUrl;
        SimulatorApi = new SimulatorClient(simulator.BaseAddress);
    }

    public string Name { get; }

    private string KeyFile { get; }

    public ServerProcess Simulator { get; }

    /// <summary>The relay or the proxy; null for <c>direct</c>, where browsers connect to Reflector itself.</summary>
    public ServerProcess? Front { get; }

    /// <summary>The process browsers connect to: its memory and CPU are the system's cost.</summary>
    public ServerProcess Edge => Front ?? Simulator;

    public TabProtocol Protocol { get; }

    public Uri ClientUrl { get; }

    public SimulatorClient SimulatorApi { get; }

    /// <summary>
    /// Where a tab on transcript <paramref name="transcriptId"/> connects: the relay's hub (it subscribes there), or
    /// for <c>direct</c> and <c>yarp</c> the transcript's own <c>/v1/transcripts/{id}/events</c>, which YARP forwards as any path.
    /// </summary>
    public Uri TranscriptClientUrl(string transcriptId) => Protocol.IsRelay()
        ? ClientUrl
        : new Uri(ClientUrl, $"/v1/transcripts/{Uri.EscapeDataString(transcriptId)}/events");

    /// <summary>How long the relay keeps a user's upstream after the last tab closed (its default, set explicitly).</summary>
    public static readonly TimeSpan RelayLinger = TimeSpan.FromSeconds(1);

    /// <summary>Upstream sockets a system should hold for <paramref name="users"/> users with <paramref name="tabs"/> tabs each.</summary>
    public int ExpectedUpstreams(int users, int tabs) => Protocol.IsRelay() ? users : users * tabs;

    public static async Task<SystemUnderTest> StartAsync(string name, CancellationToken cancellationToken)
    {
        var simulatorPort = ServerProcess.FreePort();
        var keyFile = Path.Combine(Path.GetTempPath(), $"reflector-bench-{Environment.ProcessId}-{simulatorPort}.pem");
        var simulator = await ServerProcess.StartAsync(
            "simulator", Repository.SimulatorDll,
            ["--urls", $"http://127.0.0.1:{simulatorPort}", "--audience", "reflector", "--public-key-file", keyFile],
            new Dictionary<string, string>(), simulatorPort, "dev/stats", cancellationToken);
        try
        {
            var eventsUrl = $"ws://127.0.0.1:{simulatorPort}/v1/events";
            switch (name)
            {
                case "direct":
                    return new SystemUnderTest(name, simulator, null, TabProtocol.ReflectorEvents, new Uri(eventsUrl), keyFile);
                case "yarp":
                {
                    var port = ServerProcess.FreePort();
                    var proxy = await ServerProcess.StartAsync(
                        "yarp", Repository.YarpDll,
                        ["--urls", $"http://127.0.0.1:{port}", "--destination", $"http://127.0.0.1:{simulatorPort}"],
                        new Dictionary<string, string>(), port, "dev/stats", cancellationToken);
                    return new SystemUnderTest(name, simulator, proxy, TabProtocol.ReflectorEvents, new Uri($"ws://127.0.0.1:{port}/v1/events"), keyFile);
                }

                case "relay" or "relay-msgpack":
                {
                    var port = ServerProcess.FreePort();
                    var relay = await ServerProcess.StartAsync(
                        "relay", Repository.RelayDll, [],
                        new Dictionary<string, string>
                        {
                            ["ASPNETCORE_ENVIRONMENT"] = "Production",
                            ["ASPNETCORE_URLS"] = $"http://127.0.0.1:{port}",
                            ["Upstream__EventsUrl"] = eventsUrl,
                            ["Upstream__Linger"] = RelayLinger.ToString("c", CultureInfo.InvariantCulture),
                            ["Authentication__Jwt__PublicKeyFile"] = keyFile,
                            ["Authentication__Jwt__Audience"] = "reflector",
                            ["Serilog__MinimumLevel__Default"] = "Warning",
                            ["Serilog__MinimumLevel__Override__Reflector.Relay"] = "Warning",
                            ["Serilog__MinimumLevel__Override__Microsoft.Hosting.Lifetime"] = "Warning",
                        },
                        port, "healthz", cancellationToken);
                    var protocol = name == "relay" ? TabProtocol.SignalRJson : TabProtocol.SignalRMessagePack;
                    return new SystemUnderTest(name, simulator, relay, protocol, new Uri($"ws://127.0.0.1:{port}/hubs/user-events"), keyFile);
                }

                default:
                    throw new ArgumentOutOfRangeException(nameof(name), name, "unknown system");
            }
        }
        catch
        {
            await simulator.DisposeAsync();
            throw;
        }
    }

    /// <summary>The relay's own count of its open upstream sockets, from <c>/metrics</c>; null for other systems.</summary>
    public async Task<double?> RelayOpenUpstreamsAsync(CancellationToken cancellationToken) =>
        (await RelayGaugesAsync(cancellationToken))?.OpenSockets;

    /// <summary>The relay's own count of its transcript streams (one per user and transcript), from <c>/metrics</c>; null for other systems.</summary>
    public async Task<double?> RelayTranscriptStreamsAsync(CancellationToken cancellationToken)
    {
        if (!Protocol.IsRelay() || Front is null)
        {
            return null;
        }

        return Sample(await _http.GetStringAsync(new Uri(Front.BaseAddress, "metrics"), cancellationToken), "reflector_relay_transcript_streams");
    }

    /// <summary>The relay's connection, user and socket gauges from one <c>/metrics</c> scrape; null for other systems.</summary>
    public async Task<RelayGauges?> RelayGaugesAsync(CancellationToken cancellationToken)
    {
        if (!Protocol.IsRelay() || Front is null)
        {
            return null;
        }

        var text = await _http.GetStringAsync(new Uri(Front.BaseAddress, "metrics"), cancellationToken);
        return new RelayGauges(
            Sample(text, "reflector_relay_connections"),
            Sample(text, "reflector_relay_users"),
            Sample(text, "reflector_relay_upstream_open_sockets"),
            Sample(text, "reflector_relay_connections_stalled_total") ?? 0,
            GcHeapSample().Matches(text).Sum(match => double.Parse(match.Groups["value"].Value, CultureInfo.InvariantCulture)) is > 0 and var heap ? heap : null);
    }

    /// <summary>The value of an unlabelled sample (or the first of a labelled one) in Prometheus text.</summary>
    private static double? Sample(string text, string name)
    {
        foreach (Match match in MetricSample().Matches(text))
        {
            if (match.Groups["name"].Value == name)
            {
                return double.Parse(match.Groups["value"].Value, CultureInfo.InvariantCulture);
            }
        }

        return null;
    }

    /// <summary>Waits until the simulated Reflector holds <paramref name="expected"/> sockets (upstreams opened or closed).</summary>
    public async Task<bool> WaitForUpstreamsAsync(int expected, TimeSpan timeout, CancellationToken cancellationToken)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (await SimulatorApi.OpenSocketsAsync(cancellationToken) != expected)
        {
            if (DateTime.UtcNow > deadline || Edge.HasExited)
            {
                return false;
            }

            await Task.Delay(100, cancellationToken);
        }

        return true;
    }

    /// <summary>Waits until the simulated Reflector holds <paramref name="expected"/> transcript sockets.</summary>
    public async Task<bool> WaitForTranscriptSocketsAsync(int expected, TimeSpan timeout, CancellationToken cancellationToken)
    {
        var deadline = DateTime.UtcNow + timeout;
        while ((await SimulatorApi.SocketCountsAsync(cancellationToken)).Transcripts != expected)
        {
            if (DateTime.UtcNow > deadline || Edge.HasExited)
            {
                return false;
            }

            await Task.Delay(100, cancellationToken);
        }

        return true;
    }

    public async ValueTask DisposeAsync()
    {
        _http.Dispose();
        SimulatorApi.Dispose();
        if (Front is not null)
        {
            await Front.DisposeAsync();
        }

        await Simulator.DisposeAsync();
        File.Delete(KeyFile);
    }

    [GeneratedRegex(@"^(?<name>reflector_relay_[a-z_]+)(\{[^}]*\})?\s+(?<value>\S+)", RegexOptions.Multiline)]
    private static partial Regex MetricSample();

    // The runtime's own meter: the managed heap after the last GC, one sample per generation.
    [GeneratedRegex(@"^dotnet_gc_last_collection_heap_size_bytes(\{[^}]*\})?\s+(?<value>\S+)", RegexOptions.Multiline)]
    private static partial Regex GcHeapSample();
}

/// <summary>
/// The relay's view of itself: browser connections, users with a connection, open sockets to Reflector, tabs it
/// disconnected for not reading, and its managed heap after the last GC (bytes, all generations).
/// </summary>
internal sealed record RelayGauges(double? Connections, double? Users, double? OpenSockets, double Stalled, double? GcHeapBytes);
