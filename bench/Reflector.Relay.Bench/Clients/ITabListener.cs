namespace Reflector.Relay.Bench.Clients;

/// <summary>
/// What a tab reports as it reads: numbered events, and for the relay its status messages. Called from
/// the tab's receive loop, one call at a time per tab.
/// </summary>
internal interface ITabListener
{
    /// <param name="tab">The receiving tab.</param>
    /// <param name="id">The event's id, "{runId}:{sequence}", as UTF-8.</param>
    /// <param name="sentAtMicros">When the simulated Reflector wrote the event, in microseconds since the Unix epoch.</param>
    void Record(int tab, ReadOnlySpan<byte> id, double sentAtMicros);

    /// <summary>An <c>invalidate</c> the tab could not read.</summary>
    void Unreadable();

    /// <summary>The relay's <c>upstreamStatus</c>: <paramref name="state"/> is connecting, connected, reconnecting or unauthorized.</summary>
    void UpstreamStatus(int tab, ReadOnlySpan<byte> state)
    {
    }

    /// <summary>An <c>invalidate</c> of type <c>resync</c>.</summary>
    void Resync(int tab)
    {
    }

    /// <summary>The tab's socket closed or failed, whoever closed it; the tab reads nothing more unless it reconnects.</summary>
    void Closed(int tab)
    {
    }

    /// <summary>A tab the server had closed connected again by itself (its handshake done); its reads follow.</summary>
    void Reopened(int tab)
    {
    }
}
