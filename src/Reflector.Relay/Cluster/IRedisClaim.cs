namespace Reflector.Relay.Cluster;

/// <summary>What the cluster's heartbeat does with every claim of this relay, whatever its stream's kind.</summary>
internal interface IRedisClaim
{
    ClusterStream Stream { get; }

    /// <summary>This claim's name in Redis: the relay and a number, so a relay's old and new claims of a stream differ.</summary>
    string HolderId { get; }

    /// <inheritdoc cref="ClaimLease.HoldsFallback"/>
    bool HoldsFallback { get; }

    void Start();

    /// <summary>Redis is unreachable: a relay waiting for the holder holds a socket of its own meanwhile.</summary>
    void OnRedisLost();

    /// <summary>The claim's queue is proven to hear its channel (<see cref="EnsureSubscribedAsync"/>).</summary>
    bool IsLive { get; }

    /// <summary>Subscribes, or checks the subscription, until the claim hears its channel; one attempt at a time.</summary>
    Task<bool> EnsureSubscribedAsync();

    /// <summary>The pub/sub connection dropped: the claim is no longer known to hear its channel.</summary>
    void OnSubscriptionLost();

    /// <summary>
    /// Redis answers again, or this relay was silent long enough to have been given up: a held socket is kept only
    /// if the claim still wins; a waiting relay tries again; a following relay may have missed messages.
    /// </summary>
    /// <returns><see langword="true"/> when this relay still holds the socket.</returns>
    Task<bool> SettleAsync();

    /// <summary>The claim held through the settling: whatever the socket could not deliver meanwhile needs a resync.</summary>
    Task ConfirmedAsync();

    /// <summary>Relays found dead: a waiter whose holder died claims now; a holder forgets their connections.</summary>
    void OnRelaysDied(IReadOnlySet<string> dead);

    /// <summary>A third of the key lifetime has passed since this claim's keys were last renewed.</summary>
    bool RenewalDue { get; }

    /// <summary>Renews the keys this claim uses in Redis; never throws for Redis being away (tried again when due).</summary>
    Task RenewKeysAsync();
}
