using System.Diagnostics;
using Reflector.Relay.Bench.Clients;
using Reflector.Relay.Bench.Hosting;
using Reflector.Relay.Bench.Measurement;

namespace Reflector.Relay.Bench.Scenarios;

/// <summary>
/// Runs the chosen scenarios against one system. Without <c>--quick</c> every scenario gets freshly started
/// processes, so one scenario's memory never shows in the next; with it, one start serves them all.
/// </summary>
internal sealed class ScenarioRunner(BenchOptions options, int systemIndex, TextWriter log)
{
    private const int ConnectConcurrency = 100;
    private static readonly TimeSpan UpstreamsTimeout = TimeSpan.FromMinutes(2);

    public async Task<SystemResult> RunAsync(string systemName, CancellationToken cancellationToken)
    {
        var result = new SystemResult(systemName);
        SystemUnderTest? shared = null;
        try
        {
            if (options.Quick)
            {
                shared = await StartAsync(systemName, cancellationToken);
            }

            foreach (var scenario in options.Scenarios)
            {
                var system = shared ?? await StartAsync(systemName, cancellationToken);
                try
                {
                    if (systemName == "relay-msgpack" && await MessagePackUnsupportedAsync(system, cancellationToken) is { } reason)
                    {
                        result.Skipped = reason;
                        log.WriteLine($"[{systemName}] skipped: {reason}");
                        return result;
                    }

                    log.WriteLine($"[{systemName}] {scenario}");
                    await RunScenarioAsync(system, scenario, result, cancellationToken);
                    if (system.Edge.HasExited)
                    {
                        result.Problems.Add($"{scenario}: {system.Edge.Name} exited:{Environment.NewLine}{system.Edge.LastLines()}");
                        return result;
                    }

                    await AfterScenarioAsync(system, cancellationToken);
                }
                finally
                {
                    if (shared is null)
                    {
                        await system.DisposeAsync();
                    }
                }
            }
        }
        catch (Exception exception) when (exception is not OperationCanceledException)
        {
            result.Problems.Add(exception.GetBaseException().Message);
            log.WriteLine($"[{systemName}] failed: {exception}");
        }
        finally
        {
            if (shared is not null)
            {
                await shared.DisposeAsync();
            }
        }

        return result;
    }

    private static Task<SystemUnderTest> StartAsync(string systemName, CancellationToken cancellationToken) =>
        SystemUnderTest.StartAsync(systemName, cancellationToken);

    private async Task RunScenarioAsync(SystemUnderTest system, string scenario, SystemResult result, CancellationToken cancellationToken)
    {
        switch (scenario)
        {
            case "idle":
                result.Idle = await IdleAsync(system, cancellationToken);
                break;
            case "steady":
                result.Steady = await SteadyAsync(system, cancellationToken);
                break;
            case "burst":
                result.Burst = await BurstAsync(system, cancellationToken);
                break;
            case "ramp":
                result.Ramp = await RampAsync(system, cancellationToken);
                break;
            case "transcripts":
                var transcripts = new TranscriptScenario(options, systemIndex, log);
                result.Transcripts = await transcripts.RunAsync(system, cancellationToken);
                await transcripts.AfterAsync(system, cancellationToken);
                break;
        }
    }

    /// <summary>N connections held with no traffic: what each costs the server, in resident bytes.</summary>
    private async Task<IdleResult> IdleAsync(SystemUnderTest system, CancellationToken cancellationToken)
    {
        await Task.Delay(TimeSpan.FromSeconds(1), cancellationToken);
        var before = system.Edge.Stats();
        var cost = new CostMeter(system);
        await using var sampler = new RssSampler(system.Edge);
        await using var fleet = NewFleet(system, options.IdleUsers);
        var connected = await fleet.AddUsersAsync(options.IdleUsers, ConnectConcurrency, cancellationToken);
        await system.WaitForUpstreamsAsync(ExpectedUpstreams(system, fleet), UpstreamsTimeout, cancellationToken);
        await Task.Delay(TimeSpan.FromSeconds(options.Quick ? 1 : 5), cancellationToken);
        var after = system.Edge.Stats();
        var upstreams = await system.SimulatorApi.OpenSocketsAsync(cancellationToken);
        var perConnection = connected.Connected > 0 ? (after.RssBytes - before.RssBytes) / (double)connected.Connected : double.NaN;
        return new IdleResult(
            connected.Connected, connected.Failed, connected.Seconds, Mb(before.RssBytes), Mb(after.RssBytes), perConnection, upstreams,
            cost.Finish(sampler.PeakMb));
    }

    /// <summary>Users × tabs connected, events at a steady rate: latency, losses, and what the server spends.</summary>
    private async Task<SteadyResult> SteadyAsync(SystemUnderTest system, CancellationToken cancellationToken)
    {
        await using var fleet = NewFleet(system, options.Users);
        var connected = await fleet.AddUsersAsync(options.Users, ConnectConcurrency, cancellationToken);
        await system.WaitForUpstreamsAsync(ExpectedUpstreams(system, fleet), UpstreamsTimeout, cancellationToken);
        await system.SimulatorApi.RateAsync("warmup", fleet.Users, options.Rate, options.WarmupSeconds, cancellationToken);

        var cost = new CostMeter(system);
        await using var sampler = new RssSampler(system.Edge);
        var (sent, delivery, upstreams, reported) = await MeasureRateAsync(system, fleet, "steady", options.Seconds, cancellationToken);
        return new SteadyResult(
            options.Users, connected.Connected, connected.Failed, options.Rate, sent, upstreams, reported, delivery, cost.Finish(sampler.PeakMb));
    }

    /// <summary>Every tab connects at once, then every user gets an event at the same instant, a few rounds over.</summary>
    private async Task<BurstResult> BurstAsync(SystemUnderTest system, CancellationToken cancellationToken)
    {
        var cost = new CostMeter(system);
        await using var sampler = new RssSampler(system.Edge);
        await using var fleet = NewFleet(system, options.BurstUsers);
        var clock = Stopwatch.StartNew();
        var connected = await fleet.AddUsersAsync(options.BurstUsers, options.BurstUsers * options.Tabs, cancellationToken);
        await system.WaitForUpstreamsAsync(ExpectedUpstreams(system, fleet), UpstreamsTimeout, cancellationToken);
        var ready = clock.Elapsed.TotalSeconds;

        var recording = fleet.Recorder.Begin("burst", fleet.TabCount, (long)options.BurstRounds * fleet.TabCount);
        var load = await system.SimulatorApi.BurstAsync("burst", fleet.Users, options.BurstRounds, 500, cancellationToken);
        var tabConnected = fleet.Connected();
        long? Expected(int tab) => tabConnected[tab] ? options.BurstRounds : null;
        await DrainAsync(recording, tabConnected.Count(c => c) * (long)options.BurstRounds, cancellationToken);
        fleet.Recorder.End();
        var delivery = recording.Summarize(Expected, load.Seconds);
        return new BurstResult(
            options.BurstUsers, connected.Connected, connected.Failed, connected.Seconds, ready, options.BurstRounds, load.Sent,
            delivery, cost.Finish(sampler.PeakMb), connected.FirstError);
    }

    /// <summary>Adds users step by step, measuring p99 under load at each step, until it passes the target or something gives.</summary>
    private async Task<RampResult> RampAsync(SystemUnderTest system, CancellationToken cancellationToken)
    {
        var steps = new List<RampStep>();
        var memoryLimit = TotalMemoryBytes() * 0.75;
        var best = 0;
        var stoppedBecause = $"reached the most users tried ({options.RampMaxUsers})";
        await using var fleet = NewFleet(system, options.RampMaxUsers);
        for (var users = options.RampStepUsers; users <= options.RampMaxUsers; users += options.RampStepUsers)
        {
            var connected = await fleet.AddUsersAsync(options.RampStepUsers, ConnectConcurrency, cancellationToken);
            var ready = await system.WaitForUpstreamsAsync(ExpectedUpstreams(system, fleet), UpstreamsTimeout, cancellationToken);
            var (_, delivery, upstreams, _) = await MeasureRateAsync(system, fleet, $"ramp{users}", options.RampSeconds, cancellationToken);
            var rss = system.Edge.Stats().RssBytes;
            var connections = fleet.OpenTabs;
            steps.Add(new RampStep(connections, connected.Failed, upstreams, delivery.P99Ms, delivery.Lost, Mb(rss)));
            log.WriteLine($"  {connections} connections: p99 {delivery.P99Ms:0.0} ms, lost {delivery.Lost}, RSS {Mb(rss):0} MB");

            if (system.Edge.HasExited)
            {
                stoppedBecause = $"{system.Edge.Name} exited";
                break;
            }

            if (connected.Failed > connected.Connected / 100 || !ready)
            {
                stoppedBecause = $"connections failed ({connected.Failed}: {connected.FirstError ?? "upstreams not ready"})";
                break;
            }

            if (!(delivery.P99Ms <= options.RampP99TargetMs) || delivery.Lost > 0)
            {
                stoppedBecause = delivery.Lost > 0 ? $"{delivery.Lost} deliveries lost" : $"p99 {delivery.P99Ms:0.0} ms passed the target";
                break;
            }

            best = connections;
            if (rss > memoryLimit)
            {
                stoppedBecause = "server memory past 75% of the machine's";
                break;
            }
        }

        return new RampResult(options.RampP99TargetMs, best, stoppedBecause, steps);
    }

    /// <summary>One measured stretch of steady load to all the fleet's users.</summary>
    private async Task<(long Sent, DeliveryStats Delivery, int Upstreams, double? Reported)> MeasureRateAsync(
        SystemUnderTest system, TabFleet fleet, string runId, double seconds, CancellationToken cancellationToken)
    {
        var userCount = fleet.Users.Count;
        var recording = fleet.Recorder.Begin(runId, fleet.TabCount, (long)(options.Rate * seconds * options.Tabs));
        var loading = system.SimulatorApi.RateAsync(runId, fleet.Users, options.Rate, seconds, cancellationToken);

        // Counted while the load runs, from both ends: Reflector's open sockets and the relay's own gauge.
        await Task.Delay(TimeSpan.FromSeconds(Math.Min(1, seconds / 2)), cancellationToken);
        var upstreams = await system.SimulatorApi.OpenSocketsAsync(cancellationToken);
        var reported = await system.RelayOpenUpstreamsAsync(cancellationToken);
        var load = await loading;

        var tabConnected = fleet.Connected();
        long? Expected(int tab)
        {
            if (!tabConnected[tab])
            {
                return null;
            }

            var user = tab / options.Tabs;
            return (load.Sent / userCount) + (user < load.Sent % userCount ? 1 : 0);
        }

        long total = 0;
        for (var tab = 0; tab < tabConnected.Length; tab++)
        {
            total += Expected(tab) ?? 0;
        }

        await DrainAsync(recording, total, cancellationToken);
        fleet.Recorder.End();
        return (load.Sent, recording.Summarize(Expected, load.Seconds), upstreams, reported);
    }

    /// <summary>Waits for the last deliveries: until all expected arrived, or nothing arrived for 2 s (30 s at most).</summary>
    private static async Task DrainAsync(RunRecording recording, long expected, CancellationToken cancellationToken)
    {
        var clock = Stopwatch.StartNew();
        var last = -1L;
        var quietSince = TimeSpan.Zero;
        while (recording.Delivered < expected && clock.Elapsed < TimeSpan.FromSeconds(30))
        {
            if (recording.Delivered != last)
            {
                last = recording.Delivered;
                quietSince = clock.Elapsed;
            }
            else if (clock.Elapsed - quietSince > TimeSpan.FromSeconds(2))
            {
                return;
            }

            await Task.Delay(50, cancellationToken);
        }
    }

    private async Task AfterScenarioAsync(SystemUnderTest system, CancellationToken cancellationToken)
    {
        // Every tab is gone (the fleet was disposed); the relay lets its upstreams linger for a second.
        if (!await system.WaitForUpstreamsAsync(0, TimeSpan.FromSeconds(30), cancellationToken))
        {
            log.WriteLine($"[{system.Name}] upstream sockets still open 30 s after the tabs closed");
        }
    }

    private static async Task<string?> MessagePackUnsupportedAsync(SystemUnderTest system, CancellationToken cancellationToken)
    {
        using var sources = new SourceAddresses(9, 1, 1);
        await using var probe = new TabFleet(system, sources, 1);
        try
        {
            await probe.AddUsersAsync(1, 1, cancellationToken);
            return null;
        }
        catch (HandshakeRefusedException refused)
        {
            return $"the hub does not offer the messagepack protocol ({refused.Message})";
        }
    }

    private TabFleet NewFleet(SystemUnderTest system, int users) =>
        new(system, new SourceAddresses(10 + systemIndex, users * options.Tabs, options.ConnectionsPerSourceAddress), options.Tabs);

    private static int ExpectedUpstreams(SystemUnderTest system, TabFleet fleet) =>
        system.Protocol.IsRelay() ? fleet.Users.Count : fleet.Connected().Count(c => c);

    private static double Mb(long bytes) => bytes / 1048576.0;

    private static double TotalMemoryBytes()
    {
        var line = File.ReadLines("/proc/meminfo").First(l => l.StartsWith("MemTotal:", StringComparison.Ordinal));
        return double.Parse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1], System.Globalization.CultureInfo.InvariantCulture) * 1024;
    }
}
