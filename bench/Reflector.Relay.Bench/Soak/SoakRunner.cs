using System.Diagnostics;
using System.Globalization;
using Reflector.Relay.Bench.Clients;
using Reflector.Relay.Bench.Hosting;

namespace Reflector.Relay.Bench.Soak;

/// <summary>
/// The soak: one relay and one simulated Reflector for a long stretch, with tabs joining and leaving at
/// random, every upstream socket dropped now and then, and events flowing throughout. Samples the relay
/// every 10 s; at the end closes every tab and judges: no event lost while its upstream was up, one
/// upstream socket per user with tabs at every sample and none at the end, file descriptors and threads
/// back to where they started, resident memory flat after the warm-up.
/// On the cluster (<c>--systems cluster</c>) the same, behind a sticky balancer (<see cref="SystemUnderTest.Route"/>),
/// with tabs that reconnect by themselves; besides, a node is killed with SIGKILL and started again every few minutes
/// (in turn) and Redis is restarted twice. Each is an outage in the ledger, from the kill until every tab is back and
/// every user's upstream is open again; the process figures are summed over the nodes and not judged (killed nodes
/// start afresh).
/// </summary>
internal sealed class SoakRunner(BenchOptions options, TextWriter log) : IDisposable
{
    private const int ConnectConcurrency = 50;
    private const int SourceAddressBlock = 30;

    /// <summary>Each <c>POST /dev/load</c> runs this long; the next follows at once.</summary>
    private static readonly TimeSpan ChunkLength = TimeSpan.FromSeconds(5);
    private static readonly TimeSpan SampleInterval = TimeSpan.FromSeconds(10);
    private static readonly (int From, int To) DropIntervalSeconds = (20, 60);

    /// <summary>How long a sample waits for the counts to agree (a drop's reconnects, a tab's join) before it counts as a mismatch.</summary>
    private static readonly TimeSpan SettleTimeout = TimeSpan.FromSeconds(40);

    /// <summary>Before a drop, how long an event may still be in flight on the socket the drop aborts.</summary>
    private static readonly TimeSpan DropMargin = TimeSpan.FromSeconds(2);

    /// <summary>After an event is sent, how long a failure (a drop, a reconnect the tab hears of) can still explain its loss.</summary>
    private static readonly TimeSpan ReceiveDeadline = TimeSpan.FromSeconds(5);

    /// <summary>After the last tab closed: how long sockets may take to reach zero, and fds and threads to come back.</summary>
    private static readonly TimeSpan CloseTimeout = TimeSpan.FromSeconds(30);
    private static readonly TimeSpan RecoveryTimeout = TimeSpan.FromSeconds(90);

    private const int OpenFilesTolerance = 10;
    private const int SocketsTolerance = 2;
    private const int ThreadsTolerance = 10;
    private const double RssSlopeLimitMbPerMinute = 1.0;
    private const double RssMedianGrowthLimit = 0.10;

    /// <summary>Shorter soaks are proof runs: their results go to <c>*-soak-short/</c>, which git ignores.</summary>
    public static readonly TimeSpan ShortestRecorded = TimeSpan.FromMinutes(10);

    private readonly SemaphoreSlim _stage = new(1, 1);

    public static SoakResult NewResult(BenchOptions options, string startedAt, string command, string machine, List<string> notes) => new(
        startedAt,
        command,
        machine,
        new SoakSettings(
            options.Seed ?? Random.Shared.Next(),
            options.SoakDuration.TotalMinutes,
            options.SoakUsers,
            options.SoakMaxTabs,
            options.SoakRate,
            options.SoakChurn,
            $"{DropIntervalSeconds.From} to {DropIntervalSeconds.To} s",
            DropMargin.TotalSeconds,
            ReceiveDeadline.TotalSeconds,
            SystemUnderTest.RelayLinger.TotalSeconds,
            options.SoakSystem,
            options.SoakSystem == "cluster" ? options.SoakKillEvery.TotalMinutes : null,
            options.SoakSystem == "cluster" ? options.SoakRedisRestarts : 0,
            options.SoakSystem == "cluster" ? string.Join(", ", options.ReconnectDelays.Select(d => Invariant($"{d.TotalSeconds:0.#}"))) + " s" : null),
        [],
        null,
        null,
        null,
        [],
        notes,
        [],
        []);
    private long _eventsSent;

    public async Task<SoakResult> RunAsync(SoakResult result, CancellationToken cancellationToken)
    {
        var settings = result.Settings;
        var duration = TimeSpan.FromMinutes(settings.Minutes);
        log.WriteLine(
            Invariant($"Soak: seed {settings.Seed}, {duration.TotalMinutes:0.##} min, {settings.Users} users x 0-{settings.MaxTabsPerUser} tabs, ") +
            Invariant($"{settings.EventsPerSecond:0.#} events/s, {settings.ChurnPerSecond:0.#} joins or leaves/s, drops every {settings.DropInterval}"));

        await using var system = await SystemUnderTest.StartAsync(options.SoakSystem, options, log, cancellationToken);
        var cluster = system.Fronts.Count > 1;
        var reconnectDelays = cluster ? options.ReconnectDelays : null;

        var baseline = await WarmUpAsync(system, reconnectDelays, cancellationToken);
        var baselineFiles = FilesByKind(system);
        log.WriteLine(Invariant($"Baseline after a warm-up round: RSS {baseline.RssMb:0.0} MB, {baseline.Threads} threads, {baseline.OpenFiles} open files ({Kinds(baselineFiles)})"));

        var users = SoakPopulation.UserIds("soak", settings.Users);
        var ledger = new SoakLedger(users);
        var seeds = new Random(settings.Seed);
        var churnRandom = new Random(seeds.Next());
        var dropRandom = new Random(seeds.Next());
        var closeRandom = new Random(seeds.Next());
        using var sources = new SourceAddresses(SourceAddressBlock, settings.Users * settings.MaxTabsPerUser, options.ConnectionsPerSourceAddress);
        await using var population = await SoakPopulation.CreateAsync(system, sources, ledger, users, reconnectDelays, cancellationToken);

        var initialTabs = users.Select(_ => churnRandom.Next(settings.MaxTabsPerUser + 1)).ToArray();
        await Parallel.ForEachAsync(
            Enumerable.Range(0, users.Length).SelectMany(user => Enumerable.Repeat(user, initialTabs[user])),
            new ParallelOptions { MaxDegreeOfParallelism = ConnectConcurrency, CancellationToken = cancellationToken },
            async (user, token) => await population.JoinAsync(user, token));
        var (tabs, withTabs) = population.Census();
        log.WriteLine($"Connected {tabs} tabs of {withTabs} users ({population.ConnectFailures} failed)");

        var clock = Stopwatch.StartNew();
        var samples = result.Samples;
        using (var stopping = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken))
        {
            var loops = new[]
            {
                LoadLoopAsync(system, ledger, users, settings.EventsPerSecond, stopping.Token),
                ChurnLoopAsync(population, churnRandom, settings, stopping.Token),
                DropLoopAsync(system, ledger, dropRandom, stopping.Token),
                SampleLoopAsync(system, population, ledger, clock, samples, stopping.Token),
                cluster ? OutageLoopAsync(system, population, ledger, clock, duration, result.Outages, stopping.Token) : Task.CompletedTask,
            };
            await Task.WhenAny(Task.Delay(duration, cancellationToken), Task.WhenAny(loops));
            if (cancellationToken.IsCancellationRequested)
            {
                result.Problems.Add($"interrupted after {clock.Elapsed.TotalMinutes:0.#} min");
            }

            await stopping.CancelAsync();
            foreach (var loop in loops)
            {
                try
                {
                    await loop;
                }
                catch (Exception exception) when (exception is not OperationCanceledException)
                {
                    result.Problems.Add($"{exception.GetType().Name}: {exception.GetBaseException().Message}");
                }
            }
        }

        if (system.ExitedEdge is { } exited)
        {
            result.Problems.Add($"{exited.Name} exited:{Environment.NewLine}{exited.LastLines()}");
            return result;
        }

        var runSeconds = clock.Elapsed.TotalSeconds;

        // The last events have their deadline to arrive; then one more sample with the load stopped.
        await Task.Delay(ReceiveDeadline, CancellationToken.None);
        await _stage.WaitAsync(CancellationToken.None);
        samples.Add(await SettledSampleAsync(system, population, ledger, clock, CancellationToken.None));
        _stage.Release();
        log.WriteLine(Progress(samples[^1]));

        // Every tab leaves; past the linger no socket to Reflector may remain.
        var stalled = (await system.RelayGaugesAsync(CancellationToken.None))?.Stalled;
        await population.LeaveAllAsync(closeRandom);
        var closedAt = Stopwatch.StartNew();
        await Task.Delay(SystemUnderTest.RelayLinger + TimeSpan.FromSeconds(1), CancellationToken.None);
        var (reflectorSockets, gauges) = await WaitForZeroAsync(system);
        var secondsToZero = closedAt.Elapsed.TotalSeconds;
        log.WriteLine(FormattableString.Invariant(
            $"All tabs closed: {reflectorSockets} sockets on Reflector, relay reports {gauges?.OpenSockets} upstream sockets, {gauges?.Users} users, {gauges?.Connections} connections ({secondsToZero:0.0} s)"));

        // Idle thread-pool threads retire after a while; sockets the relay still holds would not.
        var end = await WaitForRecoveryAsync(system, baseline);
        var endFiles = FilesByKind(system);
        log.WriteLine(Invariant($"End: RSS {end.RssMb:0.0} MB, {end.Threads} threads, {end.OpenFiles} open files ({Kinds(endFiles)})"));

        var delivery = ledger.Evaluate(DropMargin, ReceiveDeadline);
        var rss = RssTrend.Of(samples, runSeconds);
        var soakEnd = new SoakEnd(
            baseline.RssMb, baseline.Threads, baseline.OpenFiles, end.RssMb, end.Threads, end.OpenFiles,
            reflectorSockets, gauges?.OpenSockets, gauges?.Users, gauges?.Connections, secondsToZero, stalled, baselineFiles, endFiles);
        result.Checks.AddRange(Judge(samples, delivery, rss, soakEnd, population, runSeconds, cluster ? result.Outages : null));
        return result with { Delivery = delivery, Rss = rss, End = soakEnd };
    }

    /// <summary>
    /// A few users go once through every path the soak takes (join, events, a drop and the reconnect, graceful
    /// and abrupt leaves, the linger), so that what the relay loads once (assemblies, which it holds open as
    /// files; thread-pool threads; JIT-compiled code) is in the baseline and not counted as a leak. Returns the
    /// relay's figures once it is idle again.
    /// </summary>
    private async Task<ProcResources> WarmUpAsync(SystemUnderTest system, IReadOnlyList<TimeSpan>? reconnectDelays, CancellationToken cancellationToken)
    {
        var users = SoakPopulation.UserIds("warm", 20);
        var ledger = new SoakLedger(users);
        using (var sources = new SourceAddresses(SourceAddressBlock - 1, users.Length * 2, options.ConnectionsPerSourceAddress))
        await using (var population = await SoakPopulation.CreateAsync(system, sources, ledger, users, reconnectDelays, cancellationToken))
        {
            await Task.WhenAll(Enumerable.Range(0, users.Length * 2).Select(i => population.JoinAsync(i / 2, cancellationToken)));
            await system.WaitForUpstreamsAsync(users.Length, SettleTimeout, cancellationToken);
            await system.SimulatorApi.RateAsync("w0", users, 50, 2, cancellationToken);
            await system.SimulatorApi.DropAllAsync(cancellationToken);
            await system.WaitForUpstreamsAsync(users.Length, SettleTimeout, cancellationToken);
            await system.SimulatorApi.RateAsync("w1", users, 50, 2, cancellationToken);
            await population.LeaveAllAsync(new Random(0));
        }

        await Task.Delay(SystemUnderTest.RelayLinger, cancellationToken);
        await WaitForZeroAsync(system);
        await Task.Delay(TimeSpan.FromSeconds(2), cancellationToken);
        return EdgeResources(system) ?? throw new InvalidOperationException("the relay exited during the warm-up");
    }

    private static IEnumerable<SoakCheck> Judge(
        List<SoakSample> samples, DeliveryVerdict delivery, RssTrend rss, SoakEnd end, SoakPopulation population, double runSeconds,
        List<SoakOutage>? outages)
    {
        if (outages is not null)
        {
            var unsettled = outages.Where(outage => !outage.Settled).ToList();
            yield return new SoakCheck(
                "every tab back and one upstream per user after each kill and Redis restart",
                Invariant($"{outages.Count - unsettled.Count} of {outages.Count} settled (slowest {(outages.Count > 0 ? outages.Max(o => o.SettleSeconds) : 0):0.0} s)"),
                Invariant($"all, within {OutageSettleTimeout.TotalSeconds:0} s"),
                outages.Count > 0 && unsettled.Count == 0);
        }

        // Killed nodes start afresh: their processes' figures are shown, not judged.
        var judgeProcess = outages is null;
        var restarted = "; not judged: nodes were killed and started again";
        yield return new SoakCheck(
            "events lost while the upstream was up",
            Invariant($"{delivery.LostWhileUp} of {delivery.DueWhileUp:N0} (in gaps: {delivery.LostInGap:N0})"),
            "0", delivery.LostWhileUp == 0 && delivery.DueWhileUp > 0);
        yield return new SoakCheck("events delivered twice", Invariant($"{delivery.Duplicated}"), "0", delivery.Duplicated == 0);
        yield return new SoakCheck("events delivered to another user's tab", Invariant($"{delivery.Foreign}"), "0", delivery.Foreign == 0);

        var mismatched = samples.Where(s => !s.Consistent).ToList();
        var worst = samples.Count > 0 ? samples.Max(s => s.SettleSeconds) : double.NaN;
        yield return new SoakCheck(
            "upstream sockets = users with tabs, at every sample",
            Invariant($"{samples.Count - mismatched.Count} of {samples.Count} samples agree (settled within {worst:0.0} s at worst)") +
                (mismatched.Count > 0 ? Invariant($"; first mismatch at {mismatched[0].Seconds:0} s: Reflector {mismatched[0].ReflectorSockets}, relay {mismatched[0].RelayUpstreamSockets}, users with tabs {mismatched[0].UsersWithTabs}") : ""),
            Invariant($"all, within {SettleTimeout.TotalSeconds:0} s of the sample (Reflector's sockets = relay's sockets = relay's users = the bench's users with tabs; relay's connections = the bench's tabs)"),
            samples.Count > 0 && mismatched.Count == 0);
        yield return new SoakCheck(
            "upstream sockets after every tab closed",
            Invariant($"Reflector {end.ReflectorSocketsAfterClose}, relay {end.RelayUpstreamSocketsAfterClose}, relay users {end.RelayUsersAfterClose}, connections {end.RelayConnectionsAfterClose} ({end.SecondsToZero:0.0} s after closing)"),
            Invariant($"all 0 within {CloseTimeout.TotalSeconds:0} s past the {SystemUnderTest.RelayLinger.TotalSeconds:0} s linger"),
            end is { ReflectorSocketsAfterClose: 0, RelayUpstreamSocketsAfterClose: 0, RelayUsersAfterClose: 0, RelayConnectionsAfterClose: 0 });
        var socketsAtStart = end.BaselineOpenFilesByKind.GetValueOrDefault("socket");
        var socketsAtEnd = end.EndOpenFilesByKind.GetValueOrDefault("socket");
        yield return new SoakCheck(
            "relay open file descriptors",
            Invariant($"{end.BaselineOpenFiles} at start, {end.EndOpenFiles} at the end (sockets {socketsAtStart}, {socketsAtEnd}; most during the run: {(samples.Count > 0 ? samples.Max(s => s.OpenFiles) : 0)})"),
            Invariant($"end <= start + {OpenFilesTolerance}, sockets <= start + {SocketsTolerance}") + (judgeProcess ? "" : restarted),
            judgeProcess ? end.EndOpenFiles <= end.BaselineOpenFiles + OpenFilesTolerance && socketsAtEnd <= socketsAtStart + SocketsTolerance : null);
        yield return new SoakCheck(
            "relay threads",
            Invariant($"{end.BaselineThreads} at start, {end.EndThreads} at the end (most during the run: {(samples.Count > 0 ? samples.Max(s => s.Threads) : 0)})"),
            Invariant($"end <= start + {ThreadsTolerance}") + (judgeProcess ? "" : restarted),
            judgeProcess ? end.EndThreads <= end.BaselineThreads + ThreadsTolerance : null);
        // In a short run the second half is still warm-up (the GC growing its heaps): figures shown, not judged.
        var judgeRss = runSeconds >= ShortestRecorded.TotalSeconds && judgeProcess;
        var tooShort = judgeProcess ? Invariant($"; not judged under {ShortestRecorded.TotalMinutes:0} min") : restarted;
        yield return new SoakCheck(
            "relay RSS slope over the second half",
            Invariant($"{rss.SecondHalfSlopeMbPerMinute:+0.00;-0.00} MB/min over {rss.SecondHalfSamples} samples"),
            Invariant($"<= {RssSlopeLimitMbPerMinute:0.0} MB/min") + (judgeRss ? "" : tooShort),
            judgeRss ? rss.SecondHalfSlopeMbPerMinute <= RssSlopeLimitMbPerMinute : null);
        yield return new SoakCheck(
            "relay RSS median, first half vs second half",
            Invariant($"{rss.FirstHalfMedianMb:0.0} MB vs {rss.SecondHalfMedianMb:0.0} MB"),
            Invariant($"second <= first + {RssMedianGrowthLimit:P0}") + (judgeRss ? "" : tooShort),
            judgeRss ? rss.SecondHalfMedianMb <= rss.FirstHalfMedianMb * (1 + RssMedianGrowthLimit) : null);
        yield return new SoakCheck(
            "tabs the relay disconnected",
            Invariant($"{delivery.TabsClosedByServer} of {delivery.TabsOpened} (for not reading: {end.RelayStalledConnections})") +
                (outages is null ? "" : Invariant($"; besides, {delivery.ServerCloses} connections closed during outages, by the kills")),
            "0", delivery.TabsClosedByServer == 0);
        yield return new SoakCheck(
            "tab connections refused or failed",
            Invariant($"{population.ConnectFailures} of {population.TabsOpened}") + (population.FirstConnectError is { } error ? $" ({error})" : ""),
            "0", population.ConnectFailures == 0);
    }

    /// <summary>Steady load in back-to-back chunks, each to the whole population (a user without tabs simply misses its events).</summary>
    private async Task LoadLoopAsync(SystemUnderTest system, SoakLedger ledger, string[] users, double rate, CancellationToken stopping)
    {
        for (var chunk = 0; !stopping.IsCancellationRequested; chunk++)
        {
            ledger.ChunkStarted(chunk, (long)Math.Round(rate * ChunkLength.TotalSeconds) + 1);

            // Not cancelled: a chunk cut short would leave events whose fate nobody can judge.
            var load = await system.SimulatorApi.RateAsync(SoakLedger.ChunkRunId(chunk), users, rate, ChunkLength.TotalSeconds, CancellationToken.None);
            ledger.ChunkEnded(chunk, load.Sent);
            Interlocked.Add(ref _eventsSent, load.Sent);
        }
    }

    /// <summary>One join or leave at a time, at the churn rate, each to a random user: a user with no tab gains one, a user with all gains none.</summary>
    private async Task ChurnLoopAsync(SoakPopulation population, Random random, SoakSettings settings, CancellationToken stopping)
    {
        using var timer = new PeriodicTimer(TimeSpan.FromSeconds(1 / settings.ChurnPerSecond));
        try
        {
            while (await timer.WaitForNextTickAsync(stopping))
            {
                await _stage.WaitAsync(stopping);
                try
                {
                    var user = random.Next(population.Users);
                    var count = await population.TabsOfAsync(user);
                    var join = count == 0 || (count < settings.MaxTabsPerUser && random.Next(2) == 0);
                    if (join)
                    {
                        await population.JoinAsync(user, stopping);
                    }
                    else
                    {
                        await population.LeaveAsync(user, random);
                    }
                }
                finally
                {
                    _stage.Release();
                }
            }
        }
        catch (OperationCanceledException) when (stopping.IsCancellationRequested)
        {
            // The soak is over.
        }
    }

    /// <summary>Every 20 to 60 s, the simulated Reflector aborts every socket it holds.</summary>
    private async Task DropLoopAsync(SystemUnderTest system, SoakLedger ledger, Random random, CancellationToken stopping)
    {
        try
        {
            while (true)
            {
                await Task.Delay(TimeSpan.FromSeconds(random.Next(DropIntervalSeconds.From, DropIntervalSeconds.To + 1)), stopping);
                await _stage.WaitAsync(stopping);
                try
                {
                    ledger.DropStarted();
                    var dropped = await system.SimulatorApi.DropAllAsync(CancellationToken.None);
                    ledger.DropEnded();
                    log.WriteLine($"  drop {ledger.Drops}: {dropped} upstream sockets aborted");
                }
                finally
                {
                    _stage.Release();
                }
            }
        }
        catch (OperationCanceledException) when (stopping.IsCancellationRequested)
        {
            // The soak is over.
        }
    }

    /// <summary>Every 10 s: joins, leaves and drops wait while the sample waits for the counts to agree.</summary>
    private async Task SampleLoopAsync(
        SystemUnderTest system, SoakPopulation population, SoakLedger ledger, Stopwatch clock, List<SoakSample> samples, CancellationToken stopping)
    {
        using var timer = new PeriodicTimer(SampleInterval);
        try
        {
            while (await timer.WaitForNextTickAsync(stopping))
            {
                await _stage.WaitAsync(stopping);
                SoakSample sample;
                try
                {
                    sample = await SettledSampleAsync(system, population, ledger, clock, stopping);
                }
                finally
                {
                    _stage.Release();
                }

                samples.Add(sample);
                log.WriteLine(Progress(sample));
                if (system.ExitedEdge is not null)
                {
                    return;
                }
            }
        }
        catch (OperationCanceledException) when (stopping.IsCancellationRequested)
        {
            // The soak is over.
        }
    }

    /// <summary>
    /// Polls until Reflector's sockets, the relay's sockets and users, and the bench's users with tabs agree
    /// (and the relay's connections match the bench's tabs), or <see cref="SettleTimeout"/> passes; then reads the relay's process.
    /// </summary>
    private async Task<SoakSample> SettledSampleAsync(
        SystemUnderTest system, SoakPopulation population, SoakLedger ledger, Stopwatch clock, CancellationToken cancellationToken)
    {
        var at = clock.Elapsed.TotalSeconds;
        var utc = DateTimeOffset.UtcNow.ToString("yyyy-MM-ddTHH:mm:ssZ", CultureInfo.InvariantCulture);
        var settle = Stopwatch.StartNew();
        while (true)
        {
            var (tabs, users) = population.Census();
            var gauges = await system.RelayGaugesAsync(cancellationToken);
            var reflector = await system.SimulatorApi.OpenSocketsAsync(cancellationToken);
            var consistent = reflector == users && gauges?.OpenSockets == users && gauges.Users == users && gauges.Connections == tabs &&
                population.Reconnecting == 0;
            if (consistent || settle.Elapsed > SettleTimeout || system.ExitedEdge is not null)
            {
                var process = EdgeResources(system) ?? default;
                return new SoakSample(
                    utc, at, process.RssMb, gauges?.GcHeapBytes / 1048576.0, process.Threads, process.OpenFiles, tabs, users,
                    gauges?.Connections, gauges?.Users, gauges?.OpenSockets, reflector, consistent, settle.Elapsed.TotalSeconds,
                    ledger.Drops, Interlocked.Read(ref _eventsSent), ledger.Deliveries);
            }

            await Task.Delay(250, cancellationToken);
        }
    }

    private static async Task<(int Reflector, RelayGauges? Relay)> WaitForZeroAsync(SystemUnderTest system)
    {
        var deadline = Stopwatch.StartNew();
        while (true)
        {
            var reflector = await system.SimulatorApi.OpenSocketsAsync(CancellationToken.None);
            var relay = await system.RelayGaugesAsync(CancellationToken.None);
            if ((reflector == 0 && relay is { OpenSockets: 0, Users: 0, Connections: 0 }) || deadline.Elapsed > CloseTimeout)
            {
                return (reflector, relay);
            }

            await Task.Delay(250, CancellationToken.None);
        }
    }

    private static async Task<ProcResources> WaitForRecoveryAsync(SystemUnderTest system, ProcResources baseline)
    {
        var deadline = Stopwatch.StartNew();
        while (true)
        {
            var now = EdgeResources(system) ?? default;
            var recovered = now.OpenFiles <= baseline.OpenFiles + OpenFilesTolerance && now.Threads <= baseline.Threads + ThreadsTolerance;
            if (recovered || deadline.Elapsed > RecoveryTimeout)
            {
                return now;
            }

            await Task.Delay(TimeSpan.FromSeconds(2), CancellationToken.None);
        }
    }

    /// <summary>
    /// The cluster's outages, at fixed points of the run: a node killed with SIGKILL every <see cref="BenchOptions.SoakKillEvery"/>
    /// (node 0, 1, 2, 0, …) and started again at once, as a supervisor does; Redis restarted evenly over the run. Each
    /// holds joins, leaves, drops and samples while it lasts, and lasts until every tab is back and the counts agree.
    /// </summary>
    private async Task OutageLoopAsync(
        SystemUnderTest system, SoakPopulation population, SoakLedger ledger, Stopwatch clock, TimeSpan duration, List<SoakOutage> outages,
        CancellationToken stopping)
    {
        var kills = Enumerable.Range(1, (int)(duration / options.SoakKillEvery)).Select(k => (At: options.SoakKillEvery * k, Node: (k - 1) % system.Fronts.Count));
        var redis = Enumerable.Range(1, options.SoakRedisRestarts).Select(r => (At: duration * r / (options.SoakRedisRestarts + 1), Node: -1));
        try
        {
            foreach (var (at, node) in kills.Concat(redis).Where(outage => outage.At < duration - SampleInterval).OrderBy(outage => outage.At))
            {
                if (at > clock.Elapsed)
                {
                    await Task.Delay(at - clock.Elapsed, stopping);
                }

                await _stage.WaitAsync(stopping);
                try
                {
                    var started = clock.Elapsed.TotalSeconds;
                    var what = node >= 0 ? $"{system.Fronts[node].Name} killed" : "Redis restarted";
                    ledger.OutageStarted();
                    if (node >= 0)
                    {
                        // The balancer's health check finds the node dead; its supervisor starts it again.
                        system.SetNodeUp(node, false);
                        await system.Fronts[node].StopAsync(kill: true);
                        await system.Fronts[node].StartAgainAsync(CancellationToken.None);
                        system.SetNodeUp(node, true);
                    }
                    else
                    {
                        await system.ClusterRedis!.RestartAsync(CancellationToken.None);
                    }

                    var settled = await SettleAsync(system, population);
                    ledger.OutageEnded();
                    var outage = new SoakOutage(what, started, clock.Elapsed.TotalSeconds - started, settled);
                    outages.Add(outage);
                    log.WriteLine(Invariant($"  {what} at {started:0} s: {(settled ? "every tab back and the counts agree" : "NOT SETTLED")} after {outage.SettleSeconds:0.0} s"));
                }
                finally
                {
                    _stage.Release();
                }
            }
        }
        catch (OperationCanceledException) when (stopping.IsCancellationRequested)
        {
            // The soak is over.
        }
    }

    /// <summary>How long an outage may take to settle: every tab back, Reflector's sockets = the relays' = users with tabs.</summary>
    private static readonly TimeSpan OutageSettleTimeout = TimeSpan.FromMinutes(2);

    private static async Task<bool> SettleAsync(SystemUnderTest system, SoakPopulation population)
    {
        var clock = Stopwatch.StartNew();
        while (clock.Elapsed < OutageSettleTimeout)
        {
            try
            {
                var (tabs, users) = population.Census();
                var gauges = await system.RelayGaugesAsync(CancellationToken.None);
                var reflector = await system.SimulatorApi.OpenSocketsAsync(CancellationToken.None);
                if (population.Reconnecting == 0 && reflector == users && gauges?.OpenSockets == users && gauges.Users == users && gauges.Connections == tabs)
                {
                    return true;
                }
            }
            catch (HttpRequestException)
            {
                // A node not answering yet.
            }

            await Task.Delay(250, CancellationToken.None);
        }

        return false;
    }

    /// <summary>The edge's processes summed: the relay, or the cluster's nodes.</summary>
    private static ProcResources? EdgeResources(SystemUnderTest system)
    {
        var all = system.Fronts.Select(front => ProcResources.Read(front.Pid)).ToArray();
        return all.Any(one => one is null)
            ? null
            : new ProcResources(all.Sum(one => one!.Value.RssBytes), all.Sum(one => one!.Value.Threads), all.Sum(one => one!.Value.OpenFiles));
    }

    private static SortedDictionary<string, int> FilesByKind(SystemUnderTest system) =>
        new(system.Fronts.SelectMany(front => ProcResources.OpenFilesByKind(front.Pid))
            .GroupBy(kind => kind.Key).ToDictionary(kind => kind.Key, kind => kind.Sum(one => one.Value)));

    private static string Progress(SoakSample s) =>
        Invariant($"  {s.Seconds,6:0} s  RSS {s.RssMb,6:0.0} MB  GC heap {s.GcHeapMb,6:0.0} MB  threads {s.Threads,3}  fds {s.OpenFiles,5}  tabs {s.Tabs,5}  users {s.UsersWithTabs,4}  ") +
        Invariant($"upstreams {s.ReflectorSockets,4}/{s.RelayUpstreamSockets,4}  {(s.Consistent ? "agree" : "DISAGREE")} after {s.SettleSeconds:0.0} s  ") +
        Invariant($"drops {s.Drops}  events {s.EventsSent}  deliveries {s.Deliveries}");

    private static string Kinds(SortedDictionary<string, int> kinds) =>
        string.Join(", ", kinds.Select(kind => Invariant($"{kind.Key} {kind.Value}")));

    private static string Invariant(FormattableString text) => FormattableString.Invariant(text);

    public void Dispose() => _stage.Dispose();
}
