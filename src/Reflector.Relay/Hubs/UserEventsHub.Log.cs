using Reflector.Relay.Logging;

namespace Reflector.Relay.Hubs;

internal static partial class UserEventsHubLog
{
    [LoggerMessage(LogEventIds.Hubs.InvalidTranscriptId, LogLevel.Debug,
        "Refused a transcript subscription of user {UserId}: the id ({Length} characters) is not of a transcript id's shape")]
    public static partial void InvalidTranscriptId(ILogger logger, string? userId, int length);
}
