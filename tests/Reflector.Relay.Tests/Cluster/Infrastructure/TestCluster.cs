using Reflector.Simulator;
using Xunit.Abstractions;

namespace Reflector.Relay.Tests.Cluster.Infrastructure;

/// <summary>
/// The relays one test starts on its class's <see cref="ClusterFixture"/>. Disposing it kills them, writes their
/// output to the test's output (a failure shows what each node logged), and leaves Redis running and empty for
/// the next test, even if this one killed it.
/// </summary>
internal sealed class TestCluster(ClusterFixture fixture, ITestOutputHelper output) : IAsyncDisposable
{
    private readonly Lock _lock = new();
    private readonly List<ClusterNode> _nodes = [];

    public SimulatedReflector Reflector => fixture.Reflector;

    public RedisServer Redis => fixture.Redis;

    /// <summary>Every node started so far, in the order they finished starting.</summary>
    public IReadOnlyList<ClusterNode> Nodes
    {
        get
        {
            lock (_lock)
            {
                return [.. _nodes];
            }
        }
    }

    /// <inheritdoc cref="ClusterFixture.StartNodeAsync"/>
    public async Task<ClusterNode> StartNodeAsync(IDictionary<string, string?>? extraEnvironment = null)
    {
        var node = await fixture.StartNodeAsync(extraEnvironment);
        lock (_lock)
        {
            _nodes.Add(node);
        }

        return node;
    }

    /// <summary>Starts <paramref name="count"/> nodes side by side; returns them once all have started.</summary>
    public async Task<IReadOnlyList<ClusterNode>> StartNodesAsync(int count, IDictionary<string, string?>? extraEnvironment = null) =>
        await Task.WhenAll(Enumerable.Range(0, count).Select(_ => StartNodeAsync(extraEnvironment)));

    public async ValueTask DisposeAsync()
    {
        foreach (var node in Nodes)
        {
            await node.DisposeAsync();
            output.WriteLine($"----- {node.Name} (pid {node.ProcessId}, {node.BaseAddress}) -----");
            output.WriteLine(node.Output);
        }

        if (!Redis.IsRunning)
        {
            await Redis.RestartAsync();
        }
        else
        {
            // What the killed nodes left (claims, leases) must not meet the next test's nodes.
            await Redis.CommandAsync("FLUSHALL");
        }
    }
}
