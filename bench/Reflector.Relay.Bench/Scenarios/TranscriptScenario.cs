using System.Diagnostics;
using Reflector.Relay.Bench.Clients;
using Reflector.Relay.Bench.Hosting;
using Reflector.Relay.Bench.Measurement;

namespace Reflector.Relay.Bench.Scenarios;

/// <summary>
/// Many tabs on a few live transcripts: public transcripts, users × tabs each following one of them, a live
/// meeting on every transcript at a steady rate (TRANSCRIPT, DURATION, TOPIC of several KB, WAVEFORM of 255
/// values), stamped by the simulated Reflector. Measures delivery latency from the write to each tab, that every
/// tab got every event once and in its place, what the edge spends, and the sockets Reflector holds: one per
/// user and transcript for the relay, one per tab for <c>direct</c> and <c>yarp</c>.
/// </summary>
internal sealed class TranscriptScenario(BenchOptions options, int systemIndex, TextWriter log)
{
    private const int ConnectConcurrency = 100;
    private static readonly TimeSpan SocketsTimeout = TimeSpan.FromMinutes(2);

    public async Task<TranscriptsResult> RunAsync(SystemUnderTest system, CancellationToken cancellationToken)
    {
        var transcripts = new List<string>();
        for (var i = 0; i < options.Transcripts; i++)
        {
            transcripts.Add(await system.SimulatorApi.CreatePublicTranscriptAsync(cancellationToken));
        }

        var users = options.TranscriptUsers;
        using var sources = new SourceAddresses(10 + systemIndex, users * options.Tabs, options.ConnectionsPerSourceAddress);
        await using var fleet = new TranscriptFleet(system, sources, transcripts, users, options.Tabs);
        var connected = await fleet.ConnectAsync(ConnectConcurrency, cancellationToken);
        var tabConnected = fleet.Connected();
        var expectedSockets = system.Protocol.IsRelay()
            ? Enumerable.Range(0, users).Count(user => Enumerable.Range(user * options.Tabs, options.Tabs).Any(tab => tabConnected[tab]))
            : tabConnected.Count(c => c);
        if (!await system.WaitForTranscriptSocketsAsync(expectedSockets, SocketsTimeout, cancellationToken))
        {
            log.WriteLine($"  transcript sockets did not reach {expectedSockets} within {SocketsTimeout.TotalSeconds:0} s");
        }

        await LoadAllAsync(system, transcripts, "warmup", options.WarmupSeconds, cancellationToken);

        await using var cost = await CostMeter.StartAsync(system);
        var perTranscript = options.TranscriptRate * options.Seconds;
        var recording = fleet.Recorder.Begin("transcripts", fleet.TabCount, (long)(perTranscript * fleet.TabCount * 0.9) + 64);
        var loading = LoadAllAsync(system, transcripts, "transcripts", options.Seconds, cancellationToken);

        // Counted while the load runs: Reflector's sockets of both kinds, the most one user holds on one
        // transcript, and the relay's own count of its streams.
        await Task.Delay(TimeSpan.FromSeconds(Math.Min(1, options.Seconds / 2)), cancellationToken);
        var (userSockets, transcriptSockets) = await system.SimulatorApi.SocketCountsAsync(cancellationToken);
        var mostPerUser = 0;
        foreach (var transcript in transcripts)
        {
            var byUser = await system.SimulatorApi.TranscriptSocketsByUserAsync(transcript, cancellationToken);
            mostPerUser = Math.Max(mostPerUser, byUser.Values.DefaultIfEmpty(0).Max());
        }

        var relayStreams = await system.RelayTranscriptStreamsAsync(cancellationToken);
        var loads = await loading;

        long? Expected(int tab) => tabConnected[tab] ? loads[fleet.TranscriptOf(tab)].Sent : null;
        var total = Enumerable.Range(0, fleet.TabCount).Sum(tab => Expected(tab) ?? 0);
        await DrainAsync(() => recording.Delivered, total, cancellationToken);
        fleet.Recorder.End();
        var delivery = recording.Summarize(Expected, loads.Max(load => load.Seconds));
        return new TranscriptsResult(
            options.Transcripts, users, connected.Connected, connected.Failed, connected.Seconds, options.TranscriptRate, options.TopicSegments,
            loads.Sum(load => load.Sent), total, transcriptSockets, userSockets, relayStreams, mostPerUser, delivery, await cost.FinishAsync(),
            connected.FirstError);
    }

    /// <summary>After the tabs closed: Reflector's transcript sockets back to none (the relay lingers a second).</summary>
    public async Task AfterAsync(SystemUnderTest system, CancellationToken cancellationToken)
    {
        if (!await system.WaitForTranscriptSocketsAsync(0, TimeSpan.FromSeconds(30), cancellationToken))
        {
            log.WriteLine($"[{system.Name}] transcript sockets still open 30 s after the tabs closed");
        }
    }

    private async Task<TranscriptLoadResult[]> LoadAllAsync(
        SystemUnderTest system, List<string> transcripts, string runId, double seconds, CancellationToken cancellationToken) =>
        await Task.WhenAll(transcripts.Select(transcript =>
            system.SimulatorApi.TranscriptLoadAsync(transcript, runId, options.TranscriptRate, seconds, options.TopicSegments, cancellationToken)));

    /// <summary>Waits for the last deliveries: until all expected arrived, or nothing arrived for 2 s (30 s at most).</summary>
    private static async Task DrainAsync(Func<long> delivered, long expected, CancellationToken cancellationToken)
    {
        var clock = Stopwatch.StartNew();
        var last = -1L;
        var quietSince = TimeSpan.Zero;
        while (delivered() < expected && clock.Elapsed < TimeSpan.FromSeconds(30))
        {
            if (delivered() != last)
            {
                last = delivered();
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
