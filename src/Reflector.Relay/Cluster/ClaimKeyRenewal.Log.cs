using Reflector.Relay.Logging;

namespace Reflector.Relay.Cluster;

/// <summary><c>UserId</c> and <c>TranscriptId</c> (none for a user's stream of events) name the stream; never a token.</summary>
internal static partial class ClaimKeyRenewalLog
{
    [LoggerMessage(LogEventIds.Cluster.RenewFailed, LogLevel.Warning, "Renewing the keys of user {UserId}, transcript {TranscriptId} in Redis failed: {Reason}; tried again at the next heartbeat")]
    public static partial void RenewFailed(ILogger logger, string userId, string? transcriptId, string reason);

    [LoggerMessage(LogEventIds.Cluster.RenewFoundClaimChanged, LogLevel.Warning, "The claim on user {UserId}, transcript {TranscriptId} was no longer in Redis as this relay left it; settling it again")]
    public static partial void RenewFoundClaimChanged(ILogger logger, string userId, string? transcriptId);
}
