using Reflector.Relay.Logging;
namespace Reflector.Relay.Cluster;

/// <summary>The claims' log lines; <c>{Stream}</c> is the stream's name in Redis, never with a token.</summary>
internal static partial class RedisClaimLog
{
    [LoggerMessage(LogEventIds.Cluster.ClaimWon, LogLevel.Information, "This relay holds the upstream of {Stream} ({Kind})")]
    public static partial void ClaimWon(ILogger logger, string stream, string kind);

    [LoggerMessage(LogEventIds.Cluster.ClaimLost, LogLevel.Warning, "Relay {HolderNode} holds the upstream of {Stream} now; this relay lets its socket go")]
    public static partial void ClaimLost(ILogger logger, string stream, string holderNode);

    [LoggerMessage(LogEventIds.Cluster.SettleFailed, LogLevel.Warning, "Settling the upstream of {Stream} in Redis failed: {Reason}; tried again at a later heartbeat")]
    public static partial void SettleFailed(ILogger logger, string stream, string reason);

    [LoggerMessage(LogEventIds.Cluster.SubscribeFailed, LogLevel.Warning, "Subscribing to the channel of {Stream} failed: {Reason}; retried at the next heartbeat")]
    public static partial void SubscribeFailed(ILogger logger, string stream, string reason);

    [LoggerMessage(LogEventIds.Cluster.RenewFailed, LogLevel.Warning, "Renewing the keys of {Stream} in Redis failed: {Reason}; tried again at the next heartbeat")]
    public static partial void RenewFailed(ILogger logger, string stream, string reason);

    [LoggerMessage(LogEventIds.Cluster.RenewFoundClaimChanged, LogLevel.Warning, "The claim on {Stream} was no longer in Redis as this relay left it; settling it again")]
    public static partial void RenewFoundClaimChanged(ILogger logger, string stream);

    [LoggerMessage(LogEventIds.Cluster.Resync, LogLevel.Warning, "This relay's connections of {Stream} may have missed the holder's messages ({Reason}); they get a resync")]
    public static partial void Resync(ILogger logger, string stream, string reason);
}
