using Reflector.Relay.Logging;

namespace Reflector.Relay.Cluster;

/// <summary><c>UserId</c> and <c>TranscriptId</c> (none for a user's stream of events) name the stream; never a token.</summary>
internal static partial class RedisStreamClaimLog
{
    [LoggerMessage(LogEventIds.Cluster.ClaimWon, LogLevel.Information, "This relay holds the upstream of user {UserId}, transcript {TranscriptId} ({Kind})")]
    public static partial void ClaimWon(ILogger logger, string userId, string? transcriptId, string kind);

    [LoggerMessage(LogEventIds.Cluster.ClaimLost, LogLevel.Warning, "Relay {HolderNode} holds the upstream of user {UserId}, transcript {TranscriptId} now; this relay lets its socket go")]
    public static partial void ClaimLost(ILogger logger, string userId, string? transcriptId, string holderNode);

    [LoggerMessage(LogEventIds.Cluster.SettleFailed, LogLevel.Warning, "Settling the upstream of user {UserId}, transcript {TranscriptId} in Redis failed: {Reason}; tried again at a later heartbeat")]
    public static partial void SettleFailed(ILogger logger, string userId, string? transcriptId, string reason);
}
