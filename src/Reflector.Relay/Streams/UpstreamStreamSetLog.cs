using Reflector.Relay.Logging;
namespace Reflector.Relay.Streams;

/// <summary>The stream sets' log lines; <c>{Stream}</c> names the stream, never with a token.</summary>
internal static partial class UpstreamStreamSetLog
{
    [LoggerMessage(LogEventIds.Streams.LingerStarted, LogLevel.Debug, "Last connection of {Stream} left; upstream lingers for {Linger}")]
    public static partial void LingerStarted(ILogger logger, string stream, TimeSpan linger);

    [LoggerMessage(LogEventIds.Streams.LingerCancelled, LogLevel.Debug, "A connection of {Stream} arrived during the linger; upstream reused")]
    public static partial void LingerCancelled(ILogger logger, string stream);

    [LoggerMessage(LogEventIds.Streams.Closing, LogLevel.Debug, "Closing the upstream of {Stream}: no connections left")]
    public static partial void Closing(ILogger logger, string stream);

    [LoggerMessage(LogEventIds.Streams.KeptForOtherRelays, LogLevel.Information, "No connection of {Stream} left here; the upstream stays open for its connections on other relays")]
    public static partial void KeptForOtherRelays(ILogger logger, string stream);

    [LoggerMessage(LogEventIds.Streams.ClosingRefused, LogLevel.Information, "Closing the upstream of {Stream}: refused for good")]
    public static partial void ClosingRefused(ILogger logger, string stream);
}
