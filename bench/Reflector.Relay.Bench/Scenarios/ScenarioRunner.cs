using System.Diagnostics;
using Reflector.Relay.Bench.Clients;
using Reflector.Relay.Bench.Hosting;
using Reflector.Relay.Bench.Measurement;
using Reflector.Relay.Bench.Workers;

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

                    if (scenario == "transcripts" && options.Upstream == "python")
                    {
                        result.SkippedScenarios.Add("transcripts: the Python upstream has no /v1/transcripts/{id}/events");
                        log.WriteLine($"[{systemName}] transcripts skipped: the Python upstream has no /v1/transcripts/{{id}}/events");
                        continue;
                    }

                    log.WriteLine($"[{systemName}] {scenario}");
                    await RunScenarioAsync(system, scenario, result, cancellationToken);
                    if (system.ExitedEdge is { } exited)
                    {
                        result.Problems.Add($"{scenario}: {exited.Name} exited:{Environment.NewLine}{exited.LastLines()}");
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

    private Task<SystemUnderTest> StartAsync(string systemName, CancellationToken cancellationToken) =>
        SystemUnderTest.StartAsync(systemName, options, log, cancellationToken);

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
                result.Ramp = await new RampScenario(options, log, NewFleet).RunAsync(system, cancellationToken);
                break;
            case "restart" when !system.Protocol.IsRelay():
                result.SkippedScenarios.Add(system.Name == "direct"
                    ? "restart: browsers connect to Reflector itself, there is no edge of its own to restart"
                    : "restart: only the relay's restart is measured; a proxy's is not");
                break;
            case "restart":
                result.Restart = await new RestartScenario(options, systemIndex, log).RunAsync(system, cancellationToken);
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
        var before = system.EdgeStats();
        await using var cost = await CostMeter.StartAsync(system);
        await using var fleet = NewFleet(system, options.IdleUsers);
        var connected = await fleet.AddUsersAsync(options.IdleUsers, ConnectConcurrency, cancellationToken);
        await system.WaitForUpstreamsAsync(await ExpectedUpstreams(system, fleet), UpstreamsTimeout, cancellationToken);
        await Task.Delay(TimeSpan.FromSeconds(options.Quick ? 1 : 5), cancellationToken);
        var after = system.EdgeStats();
        var upstreams = await system.UpstreamApi.OpenSocketsAsync(cancellationToken);
        var perConnection = connected.Connected > 0 ? (after.RssBytes - before.RssBytes) / (double)connected.Connected : double.NaN;
        return new IdleResult(
            connected.Connected, connected.Failed, connected.Seconds, Mb(before.RssBytes), Mb(after.RssBytes), perConnection, upstreams,
            await cost.FinishAsync());
    }

    /// <summary>Users × tabs connected, events at a steady rate: latency, losses, and what the server spends.</summary>
    private async Task<SteadyResult> SteadyAsync(SystemUnderTest system, CancellationToken cancellationToken)
    {
        await using var fleet = NewFleet(system, options.Users);
        var connected = await fleet.AddUsersAsync(options.Users, ConnectConcurrency, cancellationToken);
        await system.WaitForUpstreamsAsync(await ExpectedUpstreams(system, fleet), UpstreamsTimeout, cancellationToken);
        await system.UpstreamApi.RateAsync("warmup", fleet.Users, options.Rate, options.WarmupSeconds, cancellationToken);

        await using var cost = await CostMeter.StartAsync(system);
        var (sent, delivery, upstreams, reported) = await new RateMeasurement(options).MeasureAsync(system, fleet, "steady", options.Seconds, cancellationToken);
        return new SteadyResult(
            options.Users, connected.Connected, connected.Failed, options.Rate, sent, upstreams, reported, delivery, await cost.FinishAsync());
    }

    /// <summary>Every tab connects at once, then every user gets an event at the same instant, a few rounds over.</summary>
    private async Task<BurstResult> BurstAsync(SystemUnderTest system, CancellationToken cancellationToken)
    {
        await using var cost = await CostMeter.StartAsync(system);
        await using var fleet = NewFleet(system, options.BurstUsers);
        var clock = Stopwatch.StartNew();
        var connected = await fleet.AddUsersAsync(options.BurstUsers, options.BurstUsers * options.Tabs, cancellationToken);
        await system.WaitForUpstreamsAsync(await ExpectedUpstreams(system, fleet), UpstreamsTimeout, cancellationToken);
        var ready = clock.Elapsed.TotalSeconds;
        var upstreams = await system.UpstreamApi.OpenSocketsAsync(cancellationToken);

        await fleet.BeginAsync("burst", (long)options.BurstRounds * fleet.TabCount, cancellationToken);
        var load = await system.UpstreamApi.BurstAsync("burst", fleet.Users, options.BurstRounds, 500, cancellationToken);
        var tabConnected = await fleet.ConnectedAsync(cancellationToken);
        long? Expected(int tab) => tabConnected[tab] ? options.BurstRounds : null;
        await RateMeasurement.DrainAsync(fleet, tabConnected.Count(c => c) * (long)options.BurstRounds, cancellationToken);
        var delivery = RecordingPart.Summarize(await fleet.EndAsync(cancellationToken), Expected, load.Seconds);
        return new BurstResult(
            options.BurstUsers, connected.Connected, connected.Failed, connected.Seconds, ready, upstreams, options.BurstRounds, load.Sent,
            delivery, await cost.FinishAsync(), connected.FirstError);
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

    /// <summary>Tabs for up to <paramref name="users"/> users: in this process, or spread over client workers.</summary>
    private IClientFleet NewFleet(SystemUnderTest system, int users)
    {
        var connections = users * options.Tabs;
        var processes = options.ClientProcessesFor(connections);
        return processes > 1
            ? new WorkerFleet(system, processes, options.Tabs, 10 + systemIndex, connections, options.ConnectionsPerSourceAddress)
            : new TabFleet(system, new SourceAddresses(10 + systemIndex, connections, options.ConnectionsPerSourceAddress), options.Tabs);
    }

    internal static async Task<int> ExpectedUpstreams(SystemUnderTest system, IClientFleet fleet) =>
        system.Protocol.IsRelay() ? fleet.Users.Count : (await fleet.ConnectedAsync(CancellationToken.None)).Count(c => c);

    internal static double Mb(long bytes) => bytes / 1048576.0;
}
