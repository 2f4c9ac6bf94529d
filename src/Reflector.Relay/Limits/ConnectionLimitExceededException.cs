namespace Reflector.Relay.Limits;

/// <summary>The user already holds <see cref="Limit"/> live connections.</summary>
internal sealed class ConnectionLimitExceededException(int limit)
    : Exception($"This user already has {limit} live connections, the most allowed (Limits:MaxConnectionsPerUser).")
{
    public int Limit { get; } = limit;
}
