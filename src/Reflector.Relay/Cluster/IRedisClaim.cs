namespace Reflector.Relay.Cluster;

/// <summary>What the cluster's heartbeat does with every claim of this relay, whatever its stream's kind.</summary>
internal interface IRedisClaim
{
    string StreamKey { get; }

    string HolderId { get; }

    bool HoldsFallback { get; }

    void Start();

    void OnRedisLost();

    Task<bool> SettleAsync();

    Task ConfirmedAsync();

    void OnRelaysDied(IReadOnlySet<string> dead);

    /// <summary>A third of the key lifetime has passed since this claim's keys were last renewed.</summary>
    bool RenewalDue { get; }

    /// <summary>Renews the keys this claim uses in Redis; never throws for Redis being away (tried again when due).</summary>
    Task RenewKeysAsync();
}
