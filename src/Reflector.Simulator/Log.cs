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

    [LoggerMessage(Level = LogLevel.Information, Message = "Refused handshake for transcript {TranscriptId} with {StatusCode}: {Reason}")]
    public static partial void TranscriptHandshakeRefused(this ILogger logger, string transcriptId, int statusCode, string reason);

    [LoggerMessage(Level = LogLevel.Information, Message = "Answered handshake for transcript {TranscriptId} with 503 during an outage")]
    public static partial void TranscriptHandshakeUnavailable(this ILogger logger, string transcriptId);

    [LoggerMessage(Level = LogLevel.Debug, Message = "Transcript socket opened on {TranscriptId} for user {UserId} (null when anonymous)")]
    public static partial void TranscriptSocketOpened(this ILogger logger, string transcriptId, string? userId);

    [LoggerMessage(Level = LogLevel.Debug, Message = "Transcript socket on {TranscriptId} ended with close status {CloseStatus}")]
    public static partial void TranscriptSocketEnded(this ILogger logger, string transcriptId, WebSocketCloseStatus? closeStatus);

    [LoggerMessage(Level = LogLevel.Information, Message = "Aborted {Count} transcript sockets ({Cause})")]
    public static partial void TranscriptSocketsAborted(this ILogger logger, int count, string cause);
}
