namespace Reflector.Relay.Streams;

/// <summary>The upstream socket could not be opened or was lost; the reconnect pipeline retries it.</summary>
internal sealed class UpstreamConnectionException(string message, Exception? innerException = null)
    : Exception(message, innerException);

/// <summary>
/// Reflector refused the token: HTTP 401/403 on the upgrade, or close code 4401. Retrying with the same
/// token cannot succeed, so this is not retried until a different token is available.
/// </summary>
internal sealed class UpstreamRefusedException(int code)
    : Exception($"The upstream refused the token (code {code}).")
{
    public int Code { get; } = code;
}

/// <summary>The relay is shutting down and takes no new connections.</summary>
internal sealed class RelayShuttingDownException() : Exception("The relay is shutting down.");
