namespace Reflector.Relay.Upstream;

/// <summary>The stream sets' log lines; <c>{Stream}</c> names the stream, never with a token.</summary>
internal static partial class UpstreamStreamSetLog
{
    [LoggerMessage(200, LogLevel.Debug, "Last connection of {Stream} left; upstream lingers for {Linger}")]
    public static partial void LingerStarted(ILogger logger, string stream, TimeSpan linger);

    [LoggerMessage(201, LogLevel.Debug, "A connection of {Stream} arrived during the linger; upstream reused")]
    public static partial void LingerCancelled(ILogger logger, string stream);

    [LoggerMessage(202, LogLevel.Debug, "Closing the upstream of {Stream}: no connections left")]
    public static partial void Closing(ILogger logger, string stream);

    [LoggerMessage(205, LogLevel.Information, "No connection of {Stream} left here; the upstream stays open for its connections on other relays")]
    public static partial void KeptForOtherRelays(ILogger logger, string stream);

    [LoggerMessage(206, LogLevel.Information, "Closing the upstream of {Stream}: refused for good")]
    public static partial void ClosingRefused(ILogger logger, string stream);
}
