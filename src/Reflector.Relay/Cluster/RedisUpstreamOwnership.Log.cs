using Reflector.Relay.Logging;

namespace Reflector.Relay.Cluster;

internal static partial class RedisUpstreamOwnershipLog
{
    [LoggerMessage(LogEventIds.Cluster.Started, LogLevel.Information, "Cluster node {NodeId} started; Redis connected: {Connected}")]
    public static partial void Started(ILogger logger, string nodeId, bool connected);
}
