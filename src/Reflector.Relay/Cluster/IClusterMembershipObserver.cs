namespace Reflector.Relay.Cluster;

/// <summary>What the heartbeat reports to the claims it keeps valid.</summary>
internal interface IClusterMembershipObserver
{
    /// <summary>Redis is unreachable.</summary>
    void OnRedisLost();

    /// <summary>
    /// Redis answers again, or this relay's presence had lapsed: settle every claim. Returns what to do once
    /// held sockets may deliver again.
    /// </summary>
    Task<Func<Task>> OnRejoinedAsync();

    /// <summary>An ordinary heartbeat with Redis: finish what could not be done while it was away.</summary>
    Task OnBeatAsync();

    /// <summary>These relays stopped renewing their presence.</summary>
    void OnRelaysDied(IReadOnlySet<string> dead);
}
