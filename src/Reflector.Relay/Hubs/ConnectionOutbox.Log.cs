using Reflector.Relay.Logging;

namespace Reflector.Relay.Hubs;

internal static partial class ConnectionOutboxLog
{
    [LoggerMessage(LogEventIds.Hubs.Overflowed, LogLevel.Warning,
        "Connection {ConnectionId} of user {UserId} fell more than {MaxQueuedBytes} bytes behind; its backlog was replaced by resyncs")]
    public static partial void Overflowed(ILogger logger, string connectionId, string? userId, long maxQueuedBytes);

    [LoggerMessage(LogEventIds.Hubs.Stalled, LogLevel.Warning,
        "Connection {ConnectionId} of user {UserId} took nothing for {Timeout}; disconnecting it")]
    public static partial void Stalled(ILogger logger, string connectionId, string? userId, TimeSpan timeout);
}
