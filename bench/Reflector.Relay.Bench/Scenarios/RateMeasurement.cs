using System.Diagnostics;
using Reflector.Relay.Bench.Clients;
using Reflector.Relay.Bench.Hosting;
using Reflector.Relay.Bench.Measurement;

namespace Reflector.Relay.Bench.Scenarios;

/// <summary>Stretches of steady load to a fleet's users, shared by the steady and ramp scenarios.</summary>
internal sealed class RateMeasurement(BenchOptions options)
{
    /// <summary>One measured stretch of steady load to all the fleet's users.</summary>
    public async Task<(long Sent, DeliveryStats Delivery, int Upstreams, double? Reported)> MeasureAsync(
        SystemUnderTest system, IClientFleet fleet, string runId, double seconds, CancellationToken cancellationToken)
    {
        var userCount = fleet.Users.Count;
        await fleet.BeginAsync(runId, (long)(options.Rate * seconds * options.Tabs), cancellationToken);
        var loading = system.UpstreamApi.RateAsync(runId, fleet.Users, options.Rate, seconds, cancellationToken);

        // Counted while the load runs, from both ends: Reflector's open sockets and the relay's own gauge.
        await Task.Delay(TimeSpan.FromSeconds(Math.Min(1, seconds / 2)), cancellationToken);
        var upstreams = await system.UpstreamApi.OpenSocketsAsync(cancellationToken);
        var reported = await system.RelayOpenUpstreamsAsync(cancellationToken);
        var load = await loading;

        var tabConnected = await fleet.ConnectedAsync(cancellationToken);
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

        await DrainAsync(fleet, total, cancellationToken);
        return (load.Sent, RecordingPart.Summarize(await fleet.EndAsync(cancellationToken), Expected, load.Seconds), upstreams, reported);
    }

    /// <summary>Waits for the last deliveries: until all expected arrived, or nothing arrived for 2 s (30 s at most).</summary>
    public static async Task DrainAsync(IClientFleet fleet, long expected, CancellationToken cancellationToken)
    {
        var clock = Stopwatch.StartNew();
        var last = -1L;
        var quietSince = TimeSpan.Zero;
        while (await fleet.DeliveredAsync(cancellationToken) is var delivered && delivered < expected && clock.Elapsed < TimeSpan.FromSeconds(30))
        {
            if (delivered != last)
            {
                last = delivered;
                quietSince = clock.Elapsed;
            }
            else if (clock.Elapsed - quietSince > TimeSpan.FromSeconds(2))
            {
                return;
            }

            await Task.Delay(50, cancellationToken);
        }
    }
}
