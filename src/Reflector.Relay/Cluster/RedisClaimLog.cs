namespace Reflector.Relay.Cluster;

/// <summary>The claims' log lines; <c>{Stream}</c> is the stream's name in Redis, never with a token.</summary>
internal static partial class RedisClaimLog
{
    [LoggerMessage(510, LogLevel.Information, "This relay holds the upstream of {Stream} ({Kind})")]
    public static partial void ClaimWon(ILogger logger, string stream, string kind);

    [LoggerMessage(511, LogLevel.Warning, "Relay {HolderNode} holds the upstream of {Stream} now; this relay lets its socket go")]
    public static partial void ClaimLost(ILogger logger, string stream, string holderNode);

    [LoggerMessage(512, LogLevel.Warning, "Settling the upstream of {Stream} in Redis failed: {Reason}; tried again at a later heartbeat")]
    public static partial void SettleFailed(ILogger logger, string stream, string reason);

    [LoggerMessage(513, LogLevel.Warning, "Subscribing to the channel of {Stream} failed: {Reason}; retried at the next heartbeat")]
    public static partial void SubscribeFailed(ILogger logger, string stream, string reason);

    [LoggerMessage(514, LogLevel.Warning, "Renewing the keys of {Stream} in Redis failed: {Reason}; tried again at the next heartbeat")]
    public static partial void RenewFailed(ILogger logger, string stream, string reason);

    [LoggerMessage(515, LogLevel.Warning, "The claim on {Stream} was no longer in Redis as this relay left it; settling it again")]
    public static partial void RenewFoundClaimChanged(ILogger logger, string stream);

    [LoggerMessage(516, LogLevel.Warning, "This relay's connections of {Stream} may have missed the holder's messages ({Reason}); they get a resync")]
    public static partial void Resync(ILogger logger, string stream, string reason);
}
