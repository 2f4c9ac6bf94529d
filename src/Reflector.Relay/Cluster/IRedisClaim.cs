namespace Reflector.Relay.Cluster;

/// <summary>What the cluster's heartbeat does with every claim of this relay, whatever its stream's kind.</summary>
internal interface IRedisClaim
{
    string StreamKey { get; }

    string HolderId { get; }

    bool HoldsFallback { get; }

    void Start();

    void OnRedisLost();

    /// <summary>The claim's queue is proven to hear its channel (<see cref="EnsureSubscribedAsync"/>).</summary>
    bool IsLive { get; }

    /// <summary>Subscribes, or checks the subscription, until the claim hears its channel; one attempt at a time.</summary>
    Task<bool> EnsureSubscribedAsync();

    /// <summary>The pub/sub connection dropped: the claim is no longer known to hear its channel.</summary>
    void OnSubscriptionLost();

    Task<bool> SettleAsync();

    Task ConfirmedAsync();

    void OnRelaysDied(IReadOnlySet<string> dead);

    /// <summary>A third of the key lifetime has passed since this claim's keys were last renewed.</summary>
    bool RenewalDue { get; }

    /// <summary>Renews the keys this claim uses in Redis; never throws for Redis being away (tried again when due).</summary>
    Task RenewKeysAsync();
}
