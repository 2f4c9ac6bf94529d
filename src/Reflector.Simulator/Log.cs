using System.Net.WebSockets;
using Microsoft.Extensions.Logging;

namespace Reflector.Simulator;

// Quiet by default (the host filters below Warning); tokens are never part of any message.
internal static partial class Log
{
    [LoggerMessage(Level = LogLevel.Information, Message = "Refused events handshake with 403: {Reason}")]
    public static partial void HandshakeRefused(this ILogger logger, string reason);

    [LoggerMessage(Level = LogLevel.Information, Message = "Answered events handshake with 503 during an outage")]
    public static partial void HandshakeUnavailable(this ILogger logger);

    [LoggerMessage(Level = LogLevel.Debug, Message = "Events socket opened for user {UserId}")]
    public static partial void SocketOpened(this ILogger logger, string userId);

    [LoggerMessage(Level = LogLevel.Debug, Message = "Events socket of user {UserId} ended with close status {CloseStatus}")]
    public static partial void SocketEnded(this ILogger logger, string userId, WebSocketCloseStatus? closeStatus);

    [LoggerMessage(Level = LogLevel.Information, Message = "Aborted {Count} events sockets ({Cause})")]
    public static partial void SocketsAborted(this ILogger logger, int count, string cause);
}
