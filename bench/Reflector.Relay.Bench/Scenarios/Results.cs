using Reflector.Relay.Bench.Measurement;

namespace Reflector.Relay.Bench.Scenarios;

internal sealed record RunReport(
    string StartedAt,
    string Command,
    string Machine,
    BenchOptions Options,
    List<SystemResult> Systems,
    List<string> Notes);

internal sealed record SystemResult(string System)
{
    public string? Skipped { get; set; }
    public IdleResult? Idle { get; set; }
    public SteadyResult? Steady { get; set; }
    public BurstResult? Burst { get; set; }
    public RampResult? Ramp { get; set; }
    public List<string> Problems { get; } = [];
}

/// <summary>What the process browsers connect to cost during the scenario, and what Reflector itself spent.</summary>
internal sealed record ServerCost(double EdgePeakRssMb, double EdgeCpuSeconds, double ReflectorCpuSeconds);

internal sealed record IdleResult(
    int Connections, int ConnectFailures, double ConnectSeconds,
    double RssBeforeMb, double RssAfterMb, double BytesPerConnection, int UpstreamSockets, ServerCost Cost);

internal sealed record SteadyResult(
    int Users, int Connections, int ConnectFailures, double EventsPerSecond, long EventsSent,
    int UpstreamSockets, double? RelayReportedUpstreamSockets, DeliveryStats Delivery, ServerCost Cost);

internal sealed record BurstResult(
    int Users, int Connections, int ConnectFailures, double ConnectSeconds, double UpstreamsReadySeconds,
    int Rounds, long EventsSent, DeliveryStats Delivery, ServerCost Cost, string? FirstConnectError);

internal sealed record RampStep(int Connections, int ConnectFailures, int UpstreamSockets, double P99Ms, long Lost, double EdgeRssMb);

internal sealed record RampResult(double TargetP99Ms, int MostConnectionsWithinTarget, string StoppedBecause, List<RampStep> Steps);
