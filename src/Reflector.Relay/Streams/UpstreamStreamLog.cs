using Reflector.Relay.Logging;
using Reflector.Relay.Events;

namespace Reflector.Relay.Streams;

/// <summary>
/// The upstream streams' log lines. <c>{Stream}</c> names the stream (<see cref="IStreamFeed{TMessage}.Name"/>), never with a token.
/// </summary>
internal static partial class UpstreamStreamLog
{
    [LoggerMessage(LogEventIds.Streams.Connected, LogLevel.Debug, "Upstream connected for {Stream}")]
    public static partial void Connected(ILogger logger, string stream);

    [LoggerMessage(LogEventIds.Streams.Dropped, LogLevel.Warning, "Upstream dropped for {Stream} (close code {CloseCode}) after {HeldFor}: {Reason}")]
    public static partial void Dropped(ILogger logger, string stream, int? closeCode, TimeSpan heldFor, string? reason);

    [LoggerMessage(LogEventIds.Streams.ReconnectScheduled, LogLevel.Information, "Upstream reconnect {Attempt} for {Stream} in {Delay}: {Reason}")]
    public static partial void ReconnectScheduled(ILogger logger, string stream, int attempt, TimeSpan delay, string? reason);

    [LoggerMessage(LogEventIds.Streams.Refused, LogLevel.Warning, "Upstream refused the token of {Stream} (code {Code}); waiting for a fresh token")]
    public static partial void Refused(ILogger logger, string stream, int code);

    [LoggerMessage(LogEventIds.Streams.NoUsableToken, LogLevel.Information, "No unexpired, unrefused token for {Stream}; waiting for a fresh one")]
    public static partial void NoUsableToken(ILogger logger, string stream);

    [LoggerMessage(LogEventIds.Streams.FrameDropped, LogLevel.Warning, "Dropped upstream frame for {Stream}: event {EventName}, reason {DropReason}, field {Field}")]
    public static partial void FrameDropped(ILogger logger, string stream, string? eventName, DropReason dropReason, string? field);

    [LoggerMessage(LogEventIds.Streams.UnknownEventDropped, LogLevel.Debug, "Dropped upstream event {EventName} for {Stream}: not an event this relay knows")]
    public static partial void UnknownEventDropped(ILogger logger, string stream, string? eventName);

    [LoggerMessage(LogEventIds.Streams.RelayFailed, LogLevel.Error, "Sending to the connections of {Stream} failed")]
    public static partial void RelayFailed(ILogger logger, string stream, Exception exception);

    [LoggerMessage(LogEventIds.Streams.Closed, LogLevel.Debug, "Upstream closed for {Stream} (close code {CloseCode})")]
    public static partial void Closed(ILogger logger, string stream, int? closeCode);

    [LoggerMessage(LogEventIds.Streams.CloseTimedOut, LogLevel.Warning, "Upstream of {Stream} did not answer the close in time; aborting it")]
    public static partial void CloseTimedOut(ILogger logger, string stream);

    [LoggerMessage(LogEventIds.Streams.UnexpectedFailure, LogLevel.Error, "Unexpected failure in the upstream loop of {Stream}")]
    public static partial void UnexpectedFailure(ILogger logger, string stream, Exception exception);

    [LoggerMessage(LogEventIds.Streams.TookOver, LogLevel.Information, "Took over the upstream of {Stream} from another relay")]
    public static partial void TookOver(ILogger logger, string stream);

    [LoggerMessage(LogEventIds.Streams.LeaseLost, LogLevel.Information, "Another relay holds the upstream of {Stream} now; following it")]
    public static partial void LeaseLost(ILogger logger, string stream);

    [LoggerMessage(LogEventIds.Streams.RefusedForGood, LogLevel.Warning, "Upstream refused {Stream} (code {Code}): missing or not allowed; the stream ends")]
    public static partial void RefusedForGood(ILogger logger, string stream, int code);
}
