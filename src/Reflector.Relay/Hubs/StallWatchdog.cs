using Reflector.Relay.Diagnostics;

namespace Reflector.Relay.Hubs;

/// <summary>
/// Disconnects, on the relay's clock, every connection whose write in flight has made no progress for the timeout
/// (<c>Limits:StalledConnectionTimeout</c>). A budget overflow never disconnects anyone; this does.
/// </summary>
internal sealed class StallWatchdog : IDisposable
{
    private readonly ConnectionRegistry _connections;
    private readonly TimeSpan _timeout;
    private readonly RelayMetrics _metrics;
    private readonly ITimer _timer;

    public StallWatchdog(ConnectionRegistry connections, TimeSpan timeout, RelayMetrics metrics, TimeProvider timeProvider)
    {
        _connections = connections;
        _timeout = timeout;
        _metrics = metrics;

        // A quarter of the timeout between checks: a stalled connection goes between 1 and 1.25 timeouts after its
        // last progress, at the cost of one pass over the connections every few seconds.
        var period = timeout / 4;
        _timer = timeProvider.CreateTimer(static state => ((StallWatchdog)state!).Sweep(), this, period, period);
    }

    /// <summary>One pass over the connections; the timer makes one every quarter timeout.</summary>
    public void Sweep()
    {
        foreach (var outbox in _connections.All())
        {
            if (outbox.AbortIfStalled(_timeout))
            {
                _metrics.StalledConnectionDisconnected();
            }
        }
    }

    public void Dispose() => _timer.Dispose();
}
