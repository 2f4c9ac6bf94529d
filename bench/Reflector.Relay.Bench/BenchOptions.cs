using System.Globalization;

namespace Reflector.Relay.Bench;

/// <summary>What to run and at what scale. <c>--quick</c> shrinks every scenario so the run takes under a minute.</summary>
internal sealed record BenchOptions
{
    public static readonly string[] AllSystems = ["relay", "relay-msgpack", "cluster", "direct", "yarp"];
    public static readonly string[] Upstreams = ["simulator", "python"];
    public static readonly string[] AllScenarios = ["idle", "steady", "burst", "ramp", "transcripts", "restart"];

    /// <summary>Without <c>--scenarios</c>: all but <c>restart</c>, which stops and starts the edge and is asked for by name.</summary>
    public static readonly string[] DefaultScenarios = ["idle", "steady", "burst", "ramp", "transcripts"];

    public bool Quick { get; init; }
    public IReadOnlyList<string> Systems { get; init; } = AllSystems;
    public IReadOnlyList<string> Scenarios { get; init; } = DefaultScenarios;

    /// <summary>
    /// Reflector's API behind every system: <c>simulator</c> (the C# simulated Reflector) or <c>python</c> (the
    /// Reflector-shaped FastAPI server in bench/upstream-python, on a redis-server of its own, its load published there).
    /// </summary>
    public string Upstream { get; init; } = "simulator";

    /// <summary>
    /// The <c>cluster</c> system: relay processes on one redis-server, and how tabs reach them: <c>user</c> (every tab
    /// of a user on one node, as a sticky cookie per browser does) or <c>tab</c> (a user's tabs over the nodes).
    /// </summary>
    public int ClusterNodes { get; init; } = 3;

    /// <summary>The GC of every .NET server: <c>workstation</c> (default) or <c>server</c> for all, or <c>own</c> (each its project's); see <see cref="Hosting.GcMode"/>.</summary>
    public string Gc { get; init; } = "workstation";

    /// <summary>
    /// Runs of every chosen system, interleaved: run r takes the systems in the order rotated by r, so each system runs
    /// early and late; the report gives each figure's median and spread over the runs.
    /// </summary>
    public int Runs { get; init; } = 1;

    public const int MostRuns = 20;
    public string ClusterSpread { get; init; } = "user";

    /// <summary>Steady and burst: users, and browser tabs per user.</summary>
    public int Users { get; init; } = 1_000;
    public int Tabs { get; init; } = 4;

    /// <summary>Steady: events per second across all users, measured for <see cref="Seconds"/> after <see cref="WarmupSeconds"/>.</summary>
    public double Rate { get; init; } = 1_000;
    public double Seconds { get; init; } = 30;
    public double WarmupSeconds { get; init; } = 5;

    /// <summary>Idle: users held (times <see cref="Tabs"/> connections) with no traffic.</summary>
    public int IdleUsers { get; init; } = 5_000;

    /// <summary>Burst: users that all connect at once, then receive <see cref="BurstRounds"/> events each, all at once.</summary>
    public int BurstUsers { get; init; } = 5_000;
    public int BurstRounds { get; init; } = 5;

    /// <summary>
    /// Restart: users × <see cref="Tabs"/> tabs held (in this process) with <see cref="Rate"/> events/s flowing while the
    /// relay holding them is stopped with SIGTERM and started again (a cluster's nodes one after the other).
    /// </summary>
    public int RestartUsers { get; init; } = 3_750;

    /// <summary>
    /// How a tab whose connection the server closed comes back (restart, cluster soak): the delay before each attempt,
    /// the last repeated. @microsoft/signalr's default automatic reconnect waits 0, 2, 10 and 30 s.
    /// </summary>
    public IReadOnlyList<TimeSpan> ReconnectDelays { get; init; } = [TimeSpan.Zero, TimeSpan.FromSeconds(2), TimeSpan.FromSeconds(10), TimeSpan.FromSeconds(30)];

    /// <summary>Ramp: users added per step, the most users tried, and the load measured at each step (2,500 to 15,000 tabs at 4 per user).</summary>
    public int RampStepUsers { get; init; } = 625;
    public int RampMaxUsers { get; init; } = 3_750;
    public double RampSeconds { get; init; } = 5;
    public double RampP99TargetMs { get; init; } = 100;

    /// <summary>
    /// Transcripts: <see cref="Transcripts"/> public transcripts, <see cref="TranscriptUsers"/> users × <see cref="Tabs"/> tabs
    /// (every tab of a user on the same transcript), a live meeting of <see cref="TranscriptRate"/> events/s on each
    /// transcript for <see cref="Seconds"/> after <see cref="WarmupSeconds"/>, TOPICs of <see cref="TopicSegments"/> segments.
    /// </summary>
    public int Transcripts { get; init; } = 8;
    public int TranscriptUsers { get; init; } = 250;
    public double TranscriptRate { get; init; } = 10;

    /// <summary>Speaker segments per TOPIC: 40 make a frame of about 5 KB.</summary>
    public int TopicSegments { get; init; } = 40;

    /// <summary>
    /// Processes holding the tabs of idle, steady, burst and ramp: 1 is this process alone; more are client workers
    /// (this bench, started with <c>--client-worker</c>); 0 picks one worker per <see cref="ConnectionsPerClientProcess"/>
    /// connections, and this process alone when one would do.
    /// </summary>
    public int ClientProcesses { get; init; }

    /// <summary>Connections one client process holds when the count is picked: well under a 20,000 open-file limit.</summary>
    public const int ConnectionsPerClientProcess = 8_000;

    /// <summary>How many processes hold <paramref name="connections"/> tabs; 1 means this one.</summary>
    public int ClientProcessesFor(int connections) =>
        ClientProcesses > 0 ? ClientProcesses : Math.Max(1, (connections + ConnectionsPerClientProcess - 1) / ConnectionsPerClientProcess);

    /// <summary>
    /// Open files the busiest process needs for <paramref name="connections"/> tabs: with client workers, the server
    /// (two per tab in the proxy, one per tab plus one per user in the relay); without, this process too.
    /// </summary>
    public ulong FilesNeeded(int connections) => (ulong)Math.Ceiling(connections * FilesPerConnection(connections)) + 1_024;

    /// <summary>The most tabs within <paramref name="files"/> open files per process.</summary>
    public int MostConnectionsWithin(ulong files) => (int)Math.Max(0, ((long)files - 1_024) / FilesPerConnection(MostConnections));

    private double FilesPerConnection(int connections) =>
        ClientProcessesFor(connections) == 1 || Systems.Contains("yarp") ? 2 : 1 + (1.0 / Tabs);

    /// <summary>Client connections per source address: below the loopback's ~28,000 ephemeral ports.</summary>
    public int ConnectionsPerSourceAddress { get; init; } = 20_000;

    public string OutputRoot { get; init; } = "";

    /// <summary>
    /// Soak (<c>--soak</c>, never in CI): the relay alone for <see cref="SoakDuration"/>, tabs joining and
    /// leaving at random across <see cref="SoakUsers"/> users (0 to <see cref="SoakMaxTabs"/> tabs each),
    /// upstream drops every 20 to 60 s, <see cref="SoakRate"/> events/s throughout.
    /// </summary>
    public bool Soak { get; init; }
    public TimeSpan SoakDuration { get; init; } = TimeSpan.FromMinutes(30);
    public int SoakUsers { get; init; } = 500;
    public int SoakMaxTabs { get; init; } = 4;
    public double SoakRate { get; init; } = 100;

    /// <summary>
    /// The cluster soak (<c>--soak --systems cluster</c>): a node killed with SIGKILL (and started again) this often, in
    /// turn; Redis restarted <see cref="SoakRedisRestarts"/> times, evenly over the run.
    /// </summary>
    public TimeSpan SoakKillEvery { get; init; } = TimeSpan.FromMinutes(3);
    public int SoakRedisRestarts { get; init; } = 2;

    /// <summary>What the soak runs on: <c>relay</c> (one process), or <c>cluster</c> when it is the one system asked for.</summary>
    public string SoakSystem => Systems is ["cluster"] ? "cluster" : "relay";

    /// <summary>Tabs opened or closed per second, one at a time, by the soak's churn.</summary>
    public double SoakChurn { get; init; } = 5;

    /// <summary>Seeds every random choice of the soak; printed, so a run can be replayed. Random when not given.</summary>
    public int? Seed { get; init; }

    /// <summary>Longest soak: the users' tokens live 4 hours.</summary>
    public static readonly TimeSpan MostSoak = TimeSpan.FromHours(3);

    /// <summary>The most client connections any chosen scenario holds at once.</summary>
    public int MostConnections => Soak ? SoakUsers * SoakMaxTabs : Tabs * new[]
    {
        Scenarios.Contains("steady") ? Users : 0,
        Scenarios.Contains("idle") ? IdleUsers : 0,
        Scenarios.Contains("burst") ? BurstUsers : 0,
        Scenarios.Contains("ramp") ? RampMaxUsers : 0,
        Scenarios.Contains("transcripts") ? TranscriptUsers : 0,
        Scenarios.Contains("restart") ? RestartUsers : 0,
    }.Max();

    /// <summary>Every scenario scaled down to at most <paramref name="connections"/> client connections.</summary>
    public BenchOptions CappedTo(int connections)
    {
        var users = Math.Max(1, connections / Tabs);
        return this with
        {
            Users = Math.Min(Users, users),
            IdleUsers = Math.Min(IdleUsers, users),
            BurstUsers = Math.Min(BurstUsers, users),
            RampMaxUsers = Math.Min(RampMaxUsers, Math.Max(RampStepUsers, users / RampStepUsers * RampStepUsers)),
            TranscriptUsers = Math.Min(TranscriptUsers, users),
            RestartUsers = Math.Min(RestartUsers, users),
            SoakUsers = Math.Min(SoakUsers, Math.Max(1, connections / SoakMaxTabs)),
        };
    }

    public static BenchOptions QuickScale => new()
    {
        Quick = true,
        Users = 25,
        Tabs = 4,
        Rate = 200,
        Seconds = 3,
        WarmupSeconds = 1,
        IdleUsers = 25,
        BurstUsers = 25,
        BurstRounds = 3,
        RampStepUsers = 25,
        RampMaxUsers = 50,
        RampSeconds = 1.5,
        Transcripts = 2,
        TranscriptUsers = 8,
        TranscriptRate = 20,
        RestartUsers = 25,
    };

    public const string Usage = """
        usage: dotnet run -c Release --project bench/Reflector.Relay.Bench -- [options]
          --quick                 small scale, under a minute (CI smoke test)
          --systems a,b           of relay, relay-msgpack, cluster, direct, yarp (default: all)
          --upstream NAME         simulator (the C# simulated Reflector, default) or python (the Reflector-shaped FastAPI
                                  server in bench/upstream-python; its Debian packages are installed when missing)
          --runs N                runs of every system, interleaved (run r rotates the systems' order by r); the
                                  report gives each figure's median and min-max over the runs (default 1)
          --gc MODE               GC of every .NET server: workstation (default) or server for all, or own (each
                                  its project's: the relay workstation, the simulator and YARP the Web SDK's server GC)
          --cluster-nodes N       relays in the cluster system, on one redis-server (default 3)
          --cluster-spread S      user: every tab of a user on one node, as a sticky cookie does (default);
                                  tab: a user's tabs spread over the nodes
          --scenarios a,b         of idle, steady, burst, ramp, transcripts, restart (default: all but restart)
          --users N --tabs N      steady scale (default 1000 x 4)
          --rate N --seconds N    steady load: events/s and measured seconds (default 1000/s, 30 s)
          --warmup N              seconds of load before measuring (default 5)
          --idle-users N          idle scale (default 5000 users x tabs)
          --burst-users N --burst-rounds N   (default 5000 users, 5 rounds)
          --ramp-step N --ramp-max N --ramp-seconds N --ramp-target-ms N   (default 625, 3750 users, 5 s, 100 ms)
          --restart-users N       restart scale: users x tabs held while the relay is stopped with SIGTERM and started
                                  again, a cluster's nodes in turn (default 3750)
          --reconnect-delays a,b  seconds before each reconnect of a tab the server closed, the last repeated
                                  (default 0,2,10,30: @microsoft/signalr's automatic reconnect)
          --client-processes N    processes holding the tabs (idle, steady, burst, ramp): 1 this one, more client
                                  workers; default one per 8000 connections
          --transcripts N --transcript-users N   transcripts scale (default 8 transcripts, 250 users x tabs)
          --transcript-rate N     events/s on each transcript, measured for --seconds after --warmup (default 10)
          --topic-segments N      segments per TOPIC (default 40, about 5 KB)
          --per-address N         client connections per 127.x.0.y source address (default 20000)
          --out DIR               results root (default bench/results)

        soak (not in CI; one relay, or with --systems cluster the cluster, instead of the scenarios above):
          --soak                  random joins and leaves, random upstream drops, a steady event rate; checks at the end
          --soak-minutes N        how long (default 30); --soak-seconds N for a short proof run
          --soak-users N          user population (default 500), each with 0 to --soak-tabs N tabs (default 4)
          --soak-rate N           events/s across the population (default 100)
          --soak-churn N          tabs opened or closed per second (default 5)
          --seed N                seed of every random choice (default: random, printed)
          --soak-kill-minutes N   cluster: a node killed with SIGKILL and started again every N minutes, in turn (default 3)
          --soak-redis-restarts N cluster: Redis restarted N times, evenly over the run (default 2)
        """;

    public static BenchOptions? Parse(string[] args)
    {
        var options = args.Contains("--quick") ? QuickScale : new BenchOptions();
        for (var i = 0; i < args.Length; i++)
        {
            var name = args[i];
            if (name is "--quick")
            {
                continue;
            }

            if (name is "--soak")
            {
                options = options with { Soak = true };
                continue;
            }

            if (i + 1 >= args.Length)
            {
                return null;
            }

            var value = args[++i];
            options = name switch
            {
                "--systems" => options with { Systems = List(value, AllSystems) },
                "--scenarios" => options with { Scenarios = List(value, AllScenarios) },
                "--upstream" => options with { Upstream = One(value, Upstreams) },
                "--cluster-nodes" => options with { ClusterNodes = Int(value) },
                "--runs" => options with { Runs = Int(value) <= MostRuns ? Int(value) : throw new FormatException($"--runs: at most {MostRuns}") },
                "--gc" => options with { Gc = One(value, Hosting.GcMode.Modes) },
                "--cluster-spread" => options with { ClusterSpread = One(value, ["user", "tab"]) },
                "--users" => options with { Users = Int(value) },
                "--tabs" => options with { Tabs = Int(value) },
                "--rate" => options with { Rate = Double(value) },
                "--seconds" => options with { Seconds = Double(value) },
                "--warmup" => options with { WarmupSeconds = Double(value) },
                "--idle-users" => options with { IdleUsers = Int(value) },
                "--burst-users" => options with { BurstUsers = Int(value) },
                "--burst-rounds" => options with { BurstRounds = Int(value) },
                "--ramp-step" => options with { RampStepUsers = Int(value) },
                "--ramp-max" => options with { RampMaxUsers = Int(value) },
                "--ramp-seconds" => options with { RampSeconds = Double(value) },
                "--ramp-target-ms" => options with { RampP99TargetMs = Double(value) },
                "--transcripts" => options with { Transcripts = Int(value) },
                "--restart-users" => options with { RestartUsers = Int(value) },
                "--reconnect-delays" => options with { ReconnectDelays = Delays(value) },
                "--transcript-users" => options with { TranscriptUsers = Int(value) },
                "--transcript-rate" => options with { TranscriptRate = Double(value) },
                "--topic-segments" => options with { TopicSegments = Int(value) },
                "--client-processes" => options with { ClientProcesses = Int(value) },
                "--per-address" => options with { ConnectionsPerSourceAddress = Int(value) },
                "--out" => options with { OutputRoot = value },
                "--soak-minutes" => options with { SoakDuration = Span(TimeSpan.FromMinutes(Double(value))) },
                "--soak-seconds" => options with { SoakDuration = Span(TimeSpan.FromSeconds(Double(value))) },
                "--soak-users" => options with { SoakUsers = Int(value) },
                "--soak-tabs" => options with { SoakMaxTabs = Int(value) },
                "--soak-rate" => options with { SoakRate = Double(value) },
                "--soak-churn" => options with { SoakChurn = Double(value) },
                "--soak-kill-minutes" => options with { SoakKillEvery = TimeSpan.FromMinutes(Double(value)) },
                "--soak-redis-restarts" => options with { SoakRedisRestarts = Int(value) },
                "--seed" => options with { Seed = int.Parse(value, CultureInfo.InvariantCulture) },
                _ => null,
            };
            if (options is null)
            {
                return null;
            }
        }

        // The soak drops the upstream's sockets through the simulated Reflector's dev endpoint, which the Python one has not.
        return options.Soak && options.Upstream != "simulator"
            ? throw new FormatException("the soak runs on the simulated Reflector only (--upstream simulator)")
            : options.Soak && options.Systems != AllSystems && options.Systems is not ["relay"] and not ["cluster"]
                ? throw new FormatException("the soak runs on one relay (the default, or --systems relay) or on the cluster (--systems cluster)")
                : options;
    }

    private static string One(string value, string[] allowed) =>
        allowed.Contains(value) ? value : throw new FormatException($"unknown: {value}; known: {string.Join(", ", allowed)}");

    private static TimeSpan Span(TimeSpan value) =>
        value <= MostSoak ? value : throw new FormatException($"a soak lasts at most {MostSoak.TotalMinutes:0} minutes (the users' tokens live 4 hours)");

    private static int Int(string value) => int.Parse(value, CultureInfo.InvariantCulture) is > 0 and var n ? n : throw new FormatException($"{value} must be positive");

    private static double Double(string value) => double.Parse(value, CultureInfo.InvariantCulture) is > 0 and var n ? n : throw new FormatException($"{value} must be positive");

    private static TimeSpan[] Delays(string value) =>
        value.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries) is { Length: > 0 } items
            ? [.. items.Select(item => double.Parse(item, CultureInfo.InvariantCulture) is >= 0 and var seconds
                ? TimeSpan.FromSeconds(seconds)
                : throw new FormatException($"{item}: a delay is never negative"))]
            : throw new FormatException("--reconnect-delays needs at least one delay");

    private static string[] List(string value, string[] allowed)
    {
        var items = value.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        var unknown = items.Except(allowed).ToArray();
        return unknown.Length == 0 && items.Length > 0
            ? [.. allowed.Where(items.Contains)]
            : throw new FormatException($"unknown: {string.Join(", ", unknown)}; known: {string.Join(", ", allowed)}");
    }
}
