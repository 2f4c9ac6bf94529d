using System.Collections.Concurrent;
using Reflector.Relay.Tests.Infrastructure;
using Reflector.Simulator;
using Xunit.Abstractions;

namespace Reflector.Relay.Tests.Cluster.Infrastructure;

/// <summary>
/// What a cluster test class shares: one simulated Reflector (it counts handshakes and open sockets per user)
/// and one Redis. Relays are started per test (<see cref="NewCluster"/>), so each test kills its own.
/// </summary>
public sealed class ClusterFixture : IAsyncLifetime
{
    private readonly ConcurrentQueue<ClusterNode> _nodes = new();
    private int _nodeCount;

    public SimulatedReflector Reflector { get; private set; } = null!;

    internal RedisServer Redis { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        Reflector = await SimulatedReflector.StartAsync(new SimulatorOptions()).DefaultTimeout();
        try
        {
            Redis = await RedisServer.StartAsync();
        }
        catch
        {
            await Reflector.DisposeAsync();
            Reflector = null!;
            throw;
        }
    }

    /// <summary>A user id no other test shares, so counts on the simulator are this test's alone.</summary>
    public static string NewUser(string label) => $"{label}-{Guid.NewGuid():N}";

    public string TokenFor(string userId, TimeSpan? lifetime = null) => Reflector.IssueToken(userId, lifetime ?? TimeSpan.FromHours(1));

    /// <summary>A test's own set of nodes; dispose it at the end of the test (<c>await using</c>).</summary>
    internal TestCluster NewCluster(ITestOutputHelper output) => new(this, output);

    /// <summary>
    /// Starts one relay on this fixture's simulator and Redis and returns once it has started. It is killed when
    /// the fixture is disposed, if nothing killed it before.
    /// </summary>
    internal async Task<ClusterNode> StartNodeAsync(IDictionary<string, string?>? extraEnvironment = null)
    {
        var name = $"node-{Interlocked.Increment(ref _nodeCount)}";
        var node = await ClusterNode.StartAsync(name, Reflector, Redis.ConnectionString, extraEnvironment);
        _nodes.Enqueue(node);
        return node;
    }

    public async Task DisposeAsync()
    {
        while (_nodes.TryDequeue(out var node))
        {
            await node.DisposeAsync();
        }

        // Null when InitializeAsync failed part-way.
        if (Redis is not null)
        {
            await Redis.DisposeAsync();
        }

        if (Reflector is not null)
        {
            await Reflector.DisposeAsync();
        }
    }
}

/// <summary>
/// Cluster test classes run one after another, never beside each other: each starts several relay processes,
/// and the machine has two cores.
/// </summary>
[CollectionDefinition(Name)]
public sealed class ClusterTests
{
    public const string Name = "Cluster";
}
