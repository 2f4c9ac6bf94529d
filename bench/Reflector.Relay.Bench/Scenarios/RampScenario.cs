using System.Globalization;
using Reflector.Relay.Bench.Clients;
using Reflector.Relay.Bench.Hosting;

namespace Reflector.Relay.Bench.Scenarios;

/// <summary>
/// One system at a time, tabs added in steps (<see cref="BenchOptions.RampStepUsers"/> users × tabs each) up to
/// <see cref="BenchOptions.RampMaxUsers"/>; at each step the steady load for <see cref="BenchOptions.RampSeconds"/>:
/// p99, losses, the edge's resident memory and what it grew per connection held. Stops at the first step whose p99
/// passes the target, that loses deliveries or connections, or past which memory runs short, and says which.
/// </summary>
internal sealed class RampScenario(BenchOptions options, TextWriter log, Func<SystemUnderTest, int, IClientFleet> newFleet)
{
    private const int ConnectConcurrency = 100;
    private static readonly TimeSpan UpstreamsTimeout = TimeSpan.FromMinutes(2);

    public async Task<RampResult> RunAsync(SystemUnderTest system, CancellationToken cancellationToken)
    {
        var steps = new List<RampStep>();
        var memoryLimit = TotalMemoryBytes() * 0.75;
        var best = 0;
        var stoppedBecause = $"never: reached the most users tried ({options.RampMaxUsers})";
        await using var fleet = newFleet(system, options.RampMaxUsers);
        var measurement = new RateMeasurement(options);

        // What the edge held before any tab: each step's growth over it, per connection held, is what a connection costs.
        await Task.Delay(TimeSpan.FromSeconds(1), cancellationToken);
        var baseline = system.EdgeStats().RssBytes;
        for (var users = options.RampStepUsers; users <= options.RampMaxUsers; users += options.RampStepUsers)
        {
            var connected = await fleet.AddUsersAsync(options.RampStepUsers, ConnectConcurrency, cancellationToken);
            var ready = await system.WaitForUpstreamsAsync(await ScenarioRunner.ExpectedUpstreams(system, fleet), UpstreamsTimeout, cancellationToken);
            var (_, delivery, upstreams, _) = await measurement.MeasureAsync(system, fleet, $"ramp{users}", options.RampSeconds, cancellationToken);
            var rss = system.EdgeStats().RssBytes;
            var connections = await fleet.OpenTabsAsync(cancellationToken);
            var perConnection = connections > 0 ? (rss - baseline) / (double)connections : double.NaN;
            steps.Add(new RampStep(connections, connected.Failed, upstreams, delivery.P99Ms, delivery.Lost, ScenarioRunner.Mb(rss), perConnection));
            log.WriteLine(string.Create(
                CultureInfo.InvariantCulture,
                $"  {connections} connections: p99 {delivery.P99Ms:0.0} ms, lost {delivery.Lost}, RSS {ScenarioRunner.Mb(rss):0} MB, {perConnection:0} bytes per connection"));

            if (system.ExitedEdge is { } exited)
            {
                stoppedBecause = $"{exited.Name} exited at {connections} connections";
                break;
            }

            if (connected.Failed > connected.Connected / 100 || !ready)
            {
                stoppedBecause = $"connections failed at {connections} ({connected.Failed}: {connected.FirstError ?? "upstreams not ready"})";
                break;
            }

            if (!(delivery.P99Ms <= options.RampP99TargetMs) || delivery.Lost > 0)
            {
                stoppedBecause = delivery.Lost > 0
                    ? $"{delivery.Lost} deliveries lost at {connections} connections"
                    : string.Create(CultureInfo.InvariantCulture, $"p99 {delivery.P99Ms:0.0} ms passed the target at {connections} connections");
                break;
            }

            best = connections;
            if (rss > memoryLimit)
            {
                stoppedBecause = $"memory ran short: the edge past 75% of the machine's at {connections} connections";
                break;
            }
        }

        return new RampResult(options.RampP99TargetMs, best, stoppedBecause, steps);
    }

    private static double TotalMemoryBytes()
    {
        var line = File.ReadLines("/proc/meminfo").First(l => l.StartsWith("MemTotal:", StringComparison.Ordinal));
        return double.Parse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1], CultureInfo.InvariantCulture) * 1024;
    }
}
