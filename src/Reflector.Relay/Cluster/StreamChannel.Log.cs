using Reflector.Relay.Logging;

namespace Reflector.Relay.Cluster;

/// <summary><c>UserId</c> and <c>TranscriptId</c> (none for a user's stream of events) name the stream; never a token or a payload.</summary>
internal static partial class StreamChannelLog
{
    [LoggerMessage(LogEventIds.Cluster.SubscribeFailed, LogLevel.Warning, "Subscribing to the channel of user {UserId}, transcript {TranscriptId} failed: {Reason}; retried at the next heartbeat")]
    public static partial void SubscribeFailed(ILogger logger, string userId, string? transcriptId, string reason);

    [LoggerMessage(LogEventIds.Cluster.SubscribePending, LogLevel.Warning, "The channel of user {UserId}, transcript {TranscriptId} is not heard yet: the pub/sub connection was not up when it subscribed; checked again at each heartbeat, and its connections here get a resync")]
    public static partial void SubscribePending(ILogger logger, string userId, string? transcriptId);

    [LoggerMessage(LogEventIds.Cluster.EnvelopeDropped, LogLevel.Warning, "Dropped a message on the channel of user {UserId}, transcript {TranscriptId} that is no envelope of this relay's: {Reason}")]
    public static partial void EnvelopeDropped(ILogger logger, string userId, string? transcriptId, string reason);
}
