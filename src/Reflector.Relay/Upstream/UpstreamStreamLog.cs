using Reflector.Relay.Events;

namespace Reflector.Relay.Upstream;

/// <summary>
/// The upstream streams' log lines. <c>{Stream}</c> names the stream (<see cref="IStreamFeed{TMessage}.Name"/>), never with a token.
/// </summary>
internal static partial class UpstreamStreamLog
{
    [LoggerMessage(100, LogLevel.Debug, "Upstream connected for {Stream}")]
    public static partial void Connected(ILogger logger, string stream);

    [LoggerMessage(101, LogLevel.Warning, "Upstream dropped for {Stream} (close code {CloseCode}) after {HeldFor}: {Reason}")]
    public static partial void Dropped(ILogger logger, string stream, int? closeCode, TimeSpan heldFor, string? reason);

    [LoggerMessage(102, LogLevel.Information, "Upstream reconnect {Attempt} for {Stream} in {Delay}: {Reason}")]
    public static partial void ReconnectScheduled(ILogger logger, string stream, int attempt, TimeSpan delay, string? reason);

    [LoggerMessage(103, LogLevel.Warning, "Upstream refused the token of {Stream} (code {Code}); waiting for a fresh token")]
    public static partial void Refused(ILogger logger, string stream, int code);

    [LoggerMessage(104, LogLevel.Information, "No unexpired, unrefused token for {Stream}; waiting for a fresh one")]
    public static partial void NoUsableToken(ILogger logger, string stream);

    [LoggerMessage(105, LogLevel.Warning, "Dropped upstream frame for {Stream}: event {EventName}, reason {DropReason}, field {Field}")]
    public static partial void FrameDropped(ILogger logger, string stream, string? eventName, DropReason dropReason, string? field);

    [LoggerMessage(106, LogLevel.Debug, "Dropped upstream event {EventName} for {Stream}: not an event this relay knows")]
    public static partial void UnknownEventDropped(ILogger logger, string stream, string? eventName);

    [LoggerMessage(107, LogLevel.Error, "Sending to the connections of {Stream} failed")]
    public static partial void RelayFailed(ILogger logger, string stream, Exception exception);

    [LoggerMessage(108, LogLevel.Debug, "Upstream closed for {Stream} (close code {CloseCode})")]
    public static partial void Closed(ILogger logger, string stream, int? closeCode);

    [LoggerMessage(109, LogLevel.Warning, "Upstream of {Stream} did not answer the close in time; aborting it")]
    public static partial void CloseTimedOut(ILogger logger, string stream);

    [LoggerMessage(110, LogLevel.Error, "Unexpected failure in the upstream loop of {Stream}")]
    public static partial void UnexpectedFailure(ILogger logger, string stream, Exception exception);

    [LoggerMessage(111, LogLevel.Information, "Took over the upstream of {Stream} from another relay")]
    public static partial void TookOver(ILogger logger, string stream);

    [LoggerMessage(112, LogLevel.Information, "Another relay holds the upstream of {Stream} now; following it")]
    public static partial void LeaseLost(ILogger logger, string stream);

    [LoggerMessage(113, LogLevel.Warning, "Upstream refused {Stream} (code {Code}): missing or not allowed; the stream ends")]
    public static partial void RefusedForGood(ILogger logger, string stream, int code);
}
