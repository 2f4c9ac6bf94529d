using Reflector.Relay.Logging;

namespace Reflector.Relay.Cluster;

internal static partial class ClaimMaintenanceLog
{
    [LoggerMessage(LogEventIds.Cluster.RenewalsFailed, LogLevel.Error, "A round of key renewals in Redis failed; the keys are renewed at a later heartbeat")]
    public static partial void RenewalsFailed(ILogger logger, Exception exception);

    [LoggerMessage(LogEventIds.Cluster.SubscriptionLost, LogLevel.Warning, "The pub/sub connection to Redis dropped ({Failure}): every channel is checked again before it counts as heard")]
    public static partial void SubscriptionLost(ILogger logger, string failure);

    [LoggerMessage(LogEventIds.Cluster.SubscriptionsFailed, LogLevel.Error, "A round of subscriptions to Redis failed; tried again at the next heartbeat")]
    public static partial void SubscriptionsFailed(ILogger logger, Exception exception);
}
