using Reflector.Relay.Logging;

namespace Reflector.Relay.Cluster;

internal static partial class ClusterHeartbeatLog
{
    [LoggerMessage(LogEventIds.Cluster.RedisLost, LogLevel.Warning, "Redis is unreachable: every relay holds its own users' sockets until it returns")]
    public static partial void RedisLost(ILogger logger);

    [LoggerMessage(LogEventIds.Cluster.Rejoined, LogLevel.Information, "Cluster node {NodeId} (re)joined Redis: settling its claims")]
    public static partial void Rejoined(ILogger logger, string nodeId);

    [LoggerMessage(LogEventIds.Cluster.RelaysDied, LogLevel.Warning, "Relays stopped answering: {Nodes}; their sockets are taken over")]
    public static partial void RelaysDied(ILogger logger, string nodes);

    [LoggerMessage(LogEventIds.Cluster.BeatFailed, LogLevel.Warning, "Cluster heartbeat failed: {Reason}")]
    public static partial void BeatFailed(ILogger logger, string reason);
}
