namespace Reflector.Relay.Tests.Cluster.Infrastructure;

/// <summary>One redis-server for a test class that talks to Redis itself, without relays or a simulated Reflector.</summary>
public sealed class RedisFixture : IAsyncLifetime
{
    internal RedisServer Redis { get; private set; } = null!;

    /// <summary>A key prefix no other test shares, so a test sees only its own keys and channels.</summary>
    public static string NewPrefix() => $"test-{Guid.NewGuid():N}";

    public async Task InitializeAsync() => Redis = await RedisServer.StartAsync();

    public async Task DisposeAsync()
    {
        if (Redis is not null)
        {
            await Redis.DisposeAsync();
        }
    }
}
