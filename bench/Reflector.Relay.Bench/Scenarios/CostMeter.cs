using Reflector.Relay.Bench.Hosting;

namespace Reflector.Relay.Bench.Scenarios;

/// <summary>CPU seconds spent by the edge and by Reflector from construction to <see cref="Finish"/>.</summary>
internal sealed class CostMeter(SystemUnderTest system)
{
    private readonly double _edgeCpu = system.Edge.Stats().CpuSeconds;
    private readonly double _reflectorCpu = system.Simulator.Stats().CpuSeconds;

    public ServerCost Finish(double peakRssMb) => new(
        peakRssMb,
        system.Edge.Stats().CpuSeconds - _edgeCpu,
        system.Simulator.Stats().CpuSeconds - _reflectorCpu);
}
