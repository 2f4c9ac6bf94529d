using System.Net.WebSockets;
using Microsoft.Extensions.Logging;

namespace Reflector.Simulator;

// Quiet by default (the host filters below Warning); tokens are never part of any message. {Kind} names the
// socket's kind ("user events", "transcript"); {StreamId} is the user id or the transcript id it follows.
internal static partial class Log
{
    [LoggerMessage(EventId = 1, Level = LogLevel.Information, Message = "Refused {Kind} handshake for {StreamId} with {StatusCode}: {Reason}")]
    public static partial void HandshakeRefused(this ILogger logger, string kind, string? streamId, int statusCode, string reason);

    [LoggerMessage(EventId = 2, Level = LogLevel.Information, Message = "Answered {Kind} handshake for {StreamId} with 503 during an outage")]
    public static partial void HandshakeUnavailable(this ILogger logger, string kind, string? streamId);

    [LoggerMessage(EventId = 3, Level = LogLevel.Debug, Message = "{Kind} socket opened on {StreamId} for user {UserId} (null when anonymous)")]
    public static partial void SocketOpened(this ILogger logger, string kind, string streamId, string? userId);

    [LoggerMessage(EventId = 4, Level = LogLevel.Debug, Message = "{Kind} socket on {StreamId} ended with close status {CloseStatus}")]
    public static partial void SocketEnded(this ILogger logger, string kind, string streamId, WebSocketCloseStatus? closeStatus);

    [LoggerMessage(EventId = 5, Level = LogLevel.Information, Message = "Aborted {UserSockets} user events sockets and {TranscriptSockets} transcript sockets ({Cause})")]
    public static partial void SocketsAborted(this ILogger logger, int userSockets, int transcriptSockets, string cause);
}
