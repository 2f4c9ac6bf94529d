namespace Reflector.Relay.Limits;

/// <summary>
/// Tells the rate limiter which requests continue a connection the caller already owns (long polls, sends, a
/// reconnecting transport): those are free. The hub's connection registry answers; the limiter does not know it.
/// </summary>
internal interface ILiveConnections
{
    /// <summary>Whether <paramref name="context"/> continues a live connection of this relay that belongs to its caller.</summary>
    bool ContinuesOwnConnection(HttpContext context);
}
