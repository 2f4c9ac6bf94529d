using System.Text.Json.Serialization;
using Reflector.Relay.Bench.Measurement;

namespace Reflector.Relay.Bench.Scenarios;

/// <param name="Runs">Every run's results, each in the order its systems ran (<see cref="BenchOptions.Runs"/>).</param>
internal sealed record RunReport(
    string StartedAt,
    string Command,
    string Machine,
    BenchOptions Options,
    List<List<SystemResult>> Runs,
    List<string> Notes)
{
    /// <summary>The first run's results in the chosen systems' order: the one run, or the run the charts show.</summary>
    [JsonIgnore]
    public List<SystemResult> Systems => Runs.Count > 0 ? InOrder(Runs[0]) : [];

    /// <summary>A run's results in the chosen systems' order, whatever order they ran in.</summary>
    public List<SystemResult> InOrder(List<SystemResult> run) => [.. run.OrderBy(s => Options.Systems.ToList().IndexOf(s.System))];

    /// <summary>The order the systems run in, in run <paramref name="run"/> (from 0): the chosen order rotated by the run.</summary>
    public static IReadOnlyList<string> Order(IReadOnlyList<string> systems, int run) =>
        [.. systems.Skip(run % systems.Count), .. systems.Take(run % systems.Count)];
}

internal sealed record SystemResult(string System)
{
    public string? Skipped { get; set; }

    /// <summary>Scenarios this system could not run, and why.</summary>
    public List<string> SkippedScenarios { get; } = [];
    public IdleResult? Idle { get; set; }
    public SteadyResult? Steady { get; set; }
    public BurstResult? Burst { get; set; }
    public RampResult? Ramp { get; set; }
    public TranscriptsResult? Transcripts { get; set; }
    public RestartResult? Restart { get; set; }
    public List<string> Problems { get; } = [];
}

/// <summary>
/// What the system spent during the scenario: the edge (the processes browsers connect to, summed over a cluster's
/// nodes), Reflector (the upstream, with the Python upstream's Redis), the cluster's Redis (null for other systems)
/// and the commands it ran, and the whole system, each process once (for <c>direct</c> the edge is Reflector).
/// Peaks are of the sum, sampled every 100 ms.
/// </summary>
internal sealed record ServerCost(
    double EdgePeakRssMb, double EdgeCpuSeconds, double ReflectorCpuSeconds, double ReflectorPeakRssMb,
    double? RedisCpuSeconds, double? RedisPeakRssMb, long? RedisCommands, double SystemCpuSeconds, double SystemPeakRssMb);

internal sealed record IdleResult(
    int Connections, int ConnectFailures, double ConnectSeconds,
    double RssBeforeMb, double RssAfterMb, double BytesPerConnection, int UpstreamSockets, ServerCost Cost);

internal sealed record SteadyResult(
    int Users, int Connections, int ConnectFailures, double EventsPerSecond, long EventsSent,
    int UpstreamSockets, double? RelayReportedUpstreamSockets, DeliveryStats Delivery, ServerCost Cost);

internal sealed record BurstResult(
    int Users, int Connections, int ConnectFailures, double ConnectSeconds, double UpstreamsReadySeconds, int UpstreamSockets,
    int Rounds, long EventsSent, DeliveryStats Delivery, ServerCost Cost, string? FirstConnectError);

/// <param name="BytesPerConnection">The edge's resident growth over its size before any tab, per connection held.</param>
internal sealed record RampStep(int Connections, int ConnectFailures, int UpstreamSockets, double P99Ms, long Lost, double EdgeRssMb, double BytesPerConnection);

internal sealed record RampResult(double TargetP99Ms, int MostConnectionsWithinTarget, string StoppedBecause, List<RampStep> Steps);

/// <param name="TranscriptSockets">Reflector's sockets on <c>/v1/transcripts/{id}/events</c> during the load.</param>
/// <param name="UserSockets">Reflector's sockets on <c>/v1/events</c> (the relay's per-user upstreams; none for the others).</param>
/// <param name="MostSocketsPerUserAndTranscript">The most sockets one user held on one transcript: 1 for the relay, the tabs per user otherwise.</param>
internal sealed record TranscriptsResult(
    int Transcripts, int Users, int Connections, int ConnectFailures, double ConnectSeconds, double EventsPerSecondPerTranscript,
    int TopicSegments, long EventsSent, long ExpectedDeliveries, int TranscriptSockets, int UserSockets, double? RelayTranscriptStreams,
    int MostSocketsPerUserAndTranscript, TranscriptDelivery Delivery, ServerCost Cost, string? FirstConnectError);

/// <summary>One node's restart: its tabs when it was stopped, and seconds from the SIGTERM until each step.</summary>
/// <param name="StoppedSeconds">Until the process exited.</param>
/// <param name="RunningSeconds">Until it answered again on its port.</param>
/// <param name="TabsBackSeconds">Until every tab it held was connected again (NaN: not within 3 minutes).</param>
/// <param name="UpstreamsReadySeconds">Until Reflector and the relays held one upstream socket per user again.</param>
internal sealed record NodeRestart(int Node, int Tabs, double StoppedSeconds, double RunningSeconds, double TabsBackSeconds, double UpstreamsReadySeconds);

/// <param name="ReconnectsPerTab">How many tabs reconnected how often ("0: 12, 1: 88").</param>
/// <param name="TabsOverOwnRestarts">Tabs disconnected or reconnected more often than their own node was restarted (target 0).</param>
/// <param name="TabsNotBack">Tabs disconnected and not connected again by the end.</param>
internal sealed record RestartResult(
    int Users, int Connections, int ConnectFailures, double EventsPerSecond, string ReconnectDelays, List<NodeRestart> Restarts, long EventsSent,
    int Disconnects, int Reconnects, int FailedAttempts, string ReconnectsPerTab, int TabsOverOwnRestarts, int TabsNotBack,
    Soak.DeliveryVerdict Delivery);
