using Reflector.Relay.Logging;

namespace Reflector.Relay.Cluster;

/// <summary><c>UserId</c> and <c>TranscriptId</c> (none for a user's stream of events) name the stream; never a token.</summary>
internal static partial class ClusterCommandsLog
{
    [LoggerMessage(LogEventIds.Cluster.PublishFailed, LogLevel.Warning, "Publishing to the cluster for user {UserId}, transcript {TranscriptId} failed: {Reason}")]
    public static partial void PublishFailed(ILogger logger, string userId, string? transcriptId, string reason);
}
