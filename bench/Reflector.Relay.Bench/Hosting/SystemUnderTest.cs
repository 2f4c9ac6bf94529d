using System.Globalization;
using System.Text.RegularExpressions;
using Reflector.Relay.Bench.Clients;

namespace Reflector.Relay.Bench.Hosting;

/// <summary>
/// An upstream (the simulated Reflector, or the Python one) plus, for every system but <c>direct</c>, the server or
/// servers browsers connect to in front of it: the relay, the proxy, or for <c>cluster</c> three relays on one
/// redis-server. Each its own process on 127.0.0.1, started fresh for the system and stopped after it.
/// </summary>
internal sealed partial class SystemUnderTest : IAsyncDisposable
{
    private readonly HttpClient _http = new() { Timeout = TimeSpan.FromSeconds(10) };
    private readonly bool _spreadByTab;
    private readonly Lock _routes = new();
    private readonly HashSet<int> _downNodes = [];
    private readonly Dictionary<int, int> _stickyNodes = [];

    private SystemUnderTest(
        string name, UpstreamHost upstream, IReadOnlyList<ServerProcess> fronts, RedisServer? clusterRedis, TabProtocol protocol,
        IReadOnlyList<Uri> clientUrls, bool spreadByTab)
    {
        Name = name;
        Upstream = upstream;
        Fronts = fronts;
        ClusterRedis = clusterRedis;
        Protocol = protocol;
        ClientUrls = clientUrls;
        _spreadByTab = spreadByTab;
    }

    public string Name { get; }

    public UpstreamHost Upstream { get; }

    public IUpstreamApi UpstreamApi => Upstream.Api;

    /// <summary>The simulated Reflector's dev endpoints, for what only it offers (live transcripts, drops: the soak).</summary>
    public SimulatorClient SimulatorApi => Upstream.Api as SimulatorClient
        ?? throw new NotSupportedException($"{Name}: this needs the simulated Reflector (--upstream simulator)");

    /// <summary>The relay, the proxy, or the cluster's relays; empty for <c>direct</c>, where browsers connect to Reflector itself.</summary>
    public IReadOnlyList<ServerProcess> Fronts { get; }

    /// <summary>The first of <see cref="Fronts"/>: the one relay or proxy; null for <c>direct</c>.</summary>
    public ServerProcess? Front => Fronts.Count > 0 ? Fronts[0] : null;

    /// <summary>The cluster's Redis; null for every other system.</summary>
    public RedisServer? ClusterRedis { get; }

    /// <summary>The processes browsers connect to: their memory and CPU, summed, are the edge's cost.</summary>
    public IReadOnlyList<ServerProcess> EdgeProcesses => Fronts.Count > 0 ? Fronts : [Upstream.Process];

    /// <summary>The first edge process (the only one but in a cluster).</summary>
    public ServerProcess Edge => EdgeProcesses[0];

    /// <summary>An edge process that exited, if any.</summary>
    public ServerProcess? ExitedEdge => EdgeProcesses.FirstOrDefault(process => process.HasExited);

    /// <summary>The edge's memory and CPU, summed over its processes.</summary>
    public ProcStats EdgeStats() => Sum(EdgeProcesses.Select(process => process.Pid));

    public IReadOnlyList<int> EdgePids => [.. EdgeProcesses.Select(process => process.Pid)];

    /// <summary>Every process of the system once: edge, upstream (and its Redis), the cluster's Redis.</summary>
    public IReadOnlyList<int> SystemPids => [.. EdgePids.Concat(Upstream.Pids).Concat(ClusterRedis is null ? [] : [ClusterRedis.Pid]).Distinct()];

    public static ProcStats Sum(IEnumerable<int> pids) => pids.Select(ProcStats.Read).Aggregate(
        default(ProcStats), (sum, one) => new ProcStats(sum.RssBytes + one.RssBytes, sum.PeakRssBytes + one.PeakRssBytes, sum.CpuSeconds + one.CpuSeconds));

    public TabProtocol Protocol { get; }

    /// <summary>Where tabs connect: one address, or a cluster's one per node.</summary>
    public IReadOnlyList<Uri> ClientUrls { get; }

    public Uri ClientUrl => ClientUrls[0];

    /// <summary>
    /// The node tab <paramref name="tab"/> reaches, as a sticky load balancer would send it: by user (every tab of a
    /// user on one node, as a cookie per browser does), or with <c>--cluster-spread tab</c> a user's tabs over the nodes.
    /// </summary>
    public Uri ClientUrlFor(int tab, int tabsPerUser) =>
        ClientUrls[(_spreadByTab ? (tab / tabsPerUser) + (tab % tabsPerUser) : tab / tabsPerUser) % ClientUrls.Count];

    /// <summary>
    /// Where browser <paramref name="browser"/> (a user, or with <c>--cluster-spread tab</c> a tab) reaches the edge now,
    /// as a sticky load balancer with health checks sends it: to its node (browser b starts on node b mod nodes, as
    /// <see cref="ClientUrlFor"/>) while that node is up; else to the next node up, where it then sticks, as the balancer
    /// rewrites its cookie. With one node, or none up, to its node, which the browser retries until it is back.
    /// </summary>
    public Uri Route(int browser)
    {
        lock (_routes)
        {
            var node = _stickyNodes.TryGetValue(browser, out var sticky) ? sticky : browser % ClientUrls.Count;
            for (var tried = 0; tried < ClientUrls.Count && _downNodes.Contains(node); tried++)
            {
                node = (node + 1) % ClientUrls.Count;
            }

            if (!_downNodes.Contains(node))
            {
                _stickyNodes[browser] = node;
            }

            return ClientUrls[node];
        }
    }

    /// <summary>The browser key <see cref="Route"/> takes for tab <paramref name="tab"/> of user <paramref name="user"/>, as <see cref="ClientUrlFor"/> spreads them.</summary>
    public int Browser(int user, int tab) => _spreadByTab ? user + tab : user;

    /// <summary>Takes node <paramref name="node"/> out of the balancer (a deploy drains it, a health check finds it dead) or back in.</summary>
    public void SetNodeUp(int node, bool up)
    {
        lock (_routes)
        {
            if (up)
            {
                _downNodes.Remove(node);
            }
            else
            {
                _downNodes.Add(node);
            }
        }
    }

    /// <summary>
    /// Where a tab on transcript <paramref name="transcriptId"/> connects: the relay's hub (it subscribes there), or
    /// for <c>direct</c> and <c>yarp</c> the transcript's own <c>/v1/transcripts/{id}/events</c>, which YARP forwards as any path.
    /// </summary>
    public Uri TranscriptClientUrl(string transcriptId, int tab, int tabsPerUser) => Protocol.IsRelay()
        ? ClientUrlFor(tab, tabsPerUser)
        : new Uri(ClientUrl, $"/v1/transcripts/{Uri.EscapeDataString(transcriptId)}/events");

    /// <summary>How long the relay keeps a user's upstream after the last tab closed (its default, set explicitly).</summary>
    public static readonly TimeSpan RelayLinger = TimeSpan.FromSeconds(1);

    /// <summary>Upstream sockets a system should hold for <paramref name="users"/> users with <paramref name="tabs"/> tabs each.</summary>
    public int ExpectedUpstreams(int users, int tabs) => Protocol.IsRelay() ? users : users * tabs;

    public static async Task<SystemUnderTest> StartAsync(string name, BenchOptions options, TextWriter log, CancellationToken cancellationToken)
    {
        var gc = GcMode.Environment(options.Gc);
        var upstream = await UpstreamHost.StartAsync(options.Upstream, gc, log, cancellationToken);
        var fronts = new List<ServerProcess>();
        RedisServer? clusterRedis = null;
        try
        {
            switch (name)
            {
                case "direct":
                    return new SystemUnderTest(name, upstream, [], null, TabProtocol.ReflectorEvents, [new Uri(upstream.EventsUrl)], false);
                case "yarp":
                {
                    var port = ServerProcess.FreePort();
                    fronts.Add(await ServerProcess.StartAsync(
                        "yarp", Repository.YarpDll,
                        ["--urls", $"http://127.0.0.1:{port}", "--destination", $"http://127.0.0.1:{upstream.Process.BaseAddress.Port}"],
                        gc, port, "dev/stats", cancellationToken));
                    return new SystemUnderTest(name, upstream, fronts, null, TabProtocol.ReflectorEvents, [new Uri($"ws://127.0.0.1:{port}/v1/events")], false);
                }

                case "relay" or "relay-msgpack":
                {
                    var relay = await StartRelayAsync("relay", upstream, null, gc, cancellationToken);
                    fronts.Add(relay);
                    var protocol = name == "relay" ? TabProtocol.SignalRJson : TabProtocol.SignalRMessagePack;
                    return new SystemUnderTest(name, upstream, fronts, null, protocol, [HubUrl(relay)], false);
                }

                case "cluster":
                {
                    // Its own Redis, apart from the Python upstream's, so its commands and CPU are the cluster's alone.
                    clusterRedis = await RedisServer.StartAsync("cluster redis", cancellationToken);
                    // Started together: each start is mostly the runtime's own warm-up, which the cores can overlap.
                    var starting = Enumerable.Range(0, options.ClusterNodes)
                        .Select(node => StartRelayAsync($"relay node {node}", upstream, clusterRedis, gc, cancellationToken))
                        .ToArray();
                    try
                    {
                        await Task.WhenAll(starting);
                    }
                    finally
                    {
                        fronts.AddRange(starting.Where(start => start.IsCompletedSuccessfully).Select(start => start.Result));
                    }

                    return new SystemUnderTest(
                        name, upstream, fronts, clusterRedis, TabProtocol.SignalRJson, [.. fronts.Select(HubUrl)], options.ClusterSpread == "tab");
                }

                default:
                    throw new ArgumentOutOfRangeException(nameof(name), name, "unknown system");
            }
        }
        catch
        {
            foreach (var front in fronts)
            {
                await front.DisposeAsync();
            }

            if (clusterRedis is not null)
            {
                await clusterRedis.DisposeAsync();
            }

            await upstream.DisposeAsync();
            throw;
        }
    }

    private static Uri HubUrl(ServerProcess relay) => new($"ws://127.0.0.1:{relay.BaseAddress.Port}/hubs/user-events");

    private static Task<ServerProcess> StartRelayAsync(
        string name, UpstreamHost upstream, RedisServer? cluster, IReadOnlyDictionary<string, string> gc,
        CancellationToken cancellationToken)
    {
        var port = ServerProcess.FreePort();
        var environment = new Dictionary<string, string>(gc)
        {
            ["ASPNETCORE_ENVIRONMENT"] = "Production",
            ["ASPNETCORE_URLS"] = $"http://127.0.0.1:{port}",
            ["Upstream__EventsUrl"] = upstream.EventsUrl,
            ["Upstream__Linger"] = RelayLinger.ToString("c", CultureInfo.InvariantCulture),
            ["Authentication__Jwt__PublicKeyFile"] = upstream.KeyFile,
            ["Authentication__Jwt__Audience"] = UpstreamHost.Audience,
            ["Serilog__MinimumLevel__Default"] = "Warning",
            ["Serilog__MinimumLevel__Override__Reflector.Relay"] = "Warning",
            ["Serilog__MinimumLevel__Override__Microsoft.Hosting.Lifetime"] = "Warning",
        };
        if (cluster is { } redis)
        {
            // No Cluster__NodeId: each process makes its own (host, pid, random), so a node started again after a kill
            // is a new node, as with the relay's default, and does not take over its dead predecessor's heartbeat.
            environment["ConnectionStrings__Redis"] = redis.ConnectionString;
        }

        return ServerProcess.StartAsync(name, Repository.RelayDll, [], environment, port, "healthz", cancellationToken);
    }

    /// <summary>The relay's own count of its open upstream sockets, from <c>/metrics</c>; null for other systems.</summary>
    public async Task<double?> RelayOpenUpstreamsAsync(CancellationToken cancellationToken) =>
        (await RelayGaugesAsync(cancellationToken))?.OpenSockets;

    /// <summary>The relay's own count of its transcript streams (one per user and transcript), from <c>/metrics</c>, summed over a cluster's nodes; null for other systems.</summary>
    public async Task<double?> RelayTranscriptStreamsAsync(CancellationToken cancellationToken) =>
        Protocol.IsRelay() && Fronts.Count > 0
            ? (await ScrapeAsync(cancellationToken)).Select(text => Sample(text, "reflector_relay_transcript_streams")).Aggregate(Add)
            : null;

    /// <summary>
    /// The relay's connection, user and socket gauges from one <c>/metrics</c> scrape of each relay, summed over a
    /// cluster's nodes; null for other systems.
    /// </summary>
    public async Task<RelayGauges?> RelayGaugesAsync(CancellationToken cancellationToken)
    {
        if (!Protocol.IsRelay() || Fronts.Count == 0)
        {
            return null;
        }

        return (await ScrapeAsync(cancellationToken)).Select(text => new RelayGauges(
            Sample(text, "reflector_relay_connections"),
            Sample(text, "reflector_relay_users"),
            Sample(text, "reflector_relay_upstream_open_sockets"),
            Sample(text, "reflector_relay_connections_stalled_total") ?? 0,
            GcHeapSample().Matches(text).Sum(match => double.Parse(match.Groups["value"].Value, CultureInfo.InvariantCulture)) is > 0 and var heap ? heap : null))
            .Aggregate((a, b) => new RelayGauges(
                Add(a.Connections, b.Connections), Add(a.Users, b.Users), Add(a.OpenSockets, b.OpenSockets), a.Stalled + b.Stalled, Add(a.GcHeapBytes, b.GcHeapBytes)));
    }

    private async Task<string[]> ScrapeAsync(CancellationToken cancellationToken) =>
        await Task.WhenAll(Fronts.Select(front => _http.GetStringAsync(new Uri(front.BaseAddress, "metrics"), cancellationToken)));

    private static double? Add(double? a, double? b) => a is null && b is null ? null : (a ?? 0) + (b ?? 0);

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

    /// <summary>Waits until the upstream holds <paramref name="expected"/> sockets (upstreams opened or closed).</summary>
    public async Task<bool> WaitForUpstreamsAsync(int expected, TimeSpan timeout, CancellationToken cancellationToken)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (await UpstreamApi.OpenSocketsAsync(cancellationToken) != expected)
        {
            if (DateTime.UtcNow > deadline || ExitedEdge is not null)
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
            if (DateTime.UtcNow > deadline || ExitedEdge is not null)
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
        foreach (var front in Fronts)
        {
            await front.DisposeAsync();
        }

        if (ClusterRedis is not null)
        {
            await ClusterRedis.DisposeAsync();
        }

        await Upstream.DisposeAsync();
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
