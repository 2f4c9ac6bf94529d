using Reflector.Relay.Bench.Hosting;

namespace Reflector.Relay.Bench.Scenarios;

/// <summary>
/// What a system spends from <see cref="StartAsync"/> to <see cref="FinishAsync"/>: CPU seconds and peak resident
/// memory of the edge (summed over a cluster's nodes), of the upstream (with the Python upstream's Redis), of the
/// cluster's Redis (and the commands it ran), and of the whole system, each process counted once.
/// </summary>
internal sealed class CostMeter : IAsyncDisposable
{
    private readonly SystemUnderTest _system;
    private readonly IReadOnlyList<int> _redis;
    private readonly (double Edge, double Upstream, double Redis, double System) _cpu;
    private readonly long? _commands;
    private readonly RssSampler _edgeRss, _upstreamRss, _redisRss, _systemRss;

    private CostMeter(SystemUnderTest system, long? commands)
    {
        _system = system;
        _redis = system.ClusterRedis is { } redis ? [redis.Pid] : [];
        _commands = commands;
        _cpu = (Cpu(system.EdgePids), Cpu(system.Upstream.Pids), Cpu(_redis), Cpu(system.SystemPids));
        _edgeRss = new RssSampler(system.EdgePids);
        _upstreamRss = new RssSampler(system.Upstream.Pids);
        _redisRss = new RssSampler(_redis);
        _systemRss = new RssSampler(system.SystemPids);
    }

    public static async Task<CostMeter> StartAsync(SystemUnderTest system) =>
        new(system, system.ClusterRedis is { } redis ? await redis.CommandCallsAsync() : null);

    public async Task<ServerCost> FinishAsync()
    {
        var commands = _system.ClusterRedis is { } redis ? await redis.CommandCallsAsync() - _commands : null;
        return new ServerCost(
            _edgeRss.PeakMb,
            Cpu(_system.EdgePids) - _cpu.Edge,
            Cpu(_system.Upstream.Pids) - _cpu.Upstream,
            _upstreamRss.PeakMb,
            _redis.Count > 0 ? Cpu(_redis) - _cpu.Redis : null,
            _redis.Count > 0 ? _redisRss.PeakMb : null,
            commands,
            Cpu(_system.SystemPids) - _cpu.System,
            _systemRss.PeakMb);
    }

    private static double Cpu(IReadOnlyList<int> pids) => SystemUnderTest.Sum(pids).CpuSeconds;

    public async ValueTask DisposeAsync()
    {
        await _edgeRss.DisposeAsync();
        await _upstreamRss.DisposeAsync();
        await _redisRss.DisposeAsync();
        await _systemRss.DisposeAsync();
    }
}
