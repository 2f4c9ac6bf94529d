using Reflector.Relay.Logging;

namespace Reflector.Relay.Cluster;

/// <summary><c>UserId</c> and <c>TranscriptId</c> (none for a user's stream of events) name the stream; never a token.</summary>
internal static partial class StreamFollowerLog
{
    [LoggerMessage(LogEventIds.Cluster.Resync, LogLevel.Warning, "This relay's connections of user {UserId}, transcript {TranscriptId} may have missed the holder's messages ({Reason}); they get a resync")]
    public static partial void Resync(ILogger logger, string userId, string? transcriptId, string reason);
}
