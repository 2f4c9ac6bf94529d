using Reflector.Relay.Logging;

namespace Reflector.Relay.Hubs;

internal static partial class ConnectionBindingMiddlewareLog
{
    [LoggerMessage(LogEventIds.Hubs.ForeignUse, LogLevel.Warning, "Refused user {UserId} on a connection that belongs to another user")]
    public static partial void ForeignUse(ILogger logger, string userId);
}
