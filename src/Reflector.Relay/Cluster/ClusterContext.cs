using Reflector.Relay.Diagnostics;

namespace Reflector.Relay.Cluster;

/// <summary>What every claim of this relay shares: the connection and its commands, the heartbeat's view of the cluster, the registry.</summary>
internal sealed class ClusterContext(
    ClusterOptions options,
    ClusterKeys keys,
    ClusterConnection connection,
    ClusterCommands commands,
    ClusterHeartbeat heartbeat,
    ClaimRegistry registry,
    PendingReleases releases,
    RelayMetrics metrics,
    TimeProvider timeProvider,
    ILogger logger)
{
    public string NodeId => options.NodeId;

    public ClusterKeys Keys => keys;

    public ClusterConnection Connection => connection;

    public ClusterCommands Commands => commands;

    public ClaimRegistry Registry => registry;

    public PendingReleases Releases => releases;

    public RelayMetrics Metrics => metrics;

    public TimeProvider TimeProvider => timeProvider;

    public ILogger Logger => logger;

    /// <inheritdoc cref="ClusterHeartbeat.PresenceLapsed"/>
    public bool PresenceLapsed => heartbeat.PresenceLapsed;

    /// <summary>How long a claim waits for a holder it knows alive before it asks again, should a release be lost.</summary>
    public TimeSpan SafetyRetry => 10 * options.NodeTimeout;

    public TimeSpan HeartbeatInterval => options.HeartbeatInterval;

    /// <summary>How long a claim waits for its probe to come back on its channel before it takes itself for deaf.</summary>
    public TimeSpan ProbeTimeout => 2 * options.HeartbeatInterval;

    /// <inheritdoc cref="ClusterOptions.KeyRenewalInterval"/>
    public TimeSpan KeyRenewalInterval => options.KeyRenewalInterval;

    public bool IsLive(string nodeId) => heartbeat.IsLive(nodeId);

    /// <summary>Registers a new claim; the first of its stream here says this relay's interest.</summary>
    public void Enter(IRedisClaim claim)
    {
        if (registry.Add(claim))
        {
            commands.SayInterest(claim.Stream, claim.HolderId, joined: true);
        }
    }

    /// <summary>Forgets a claim; the last of its stream here takes this relay's interest back.</summary>
    public void Leave(IRedisClaim claim)
    {
        if (registry.Remove(claim))
        {
            commands.SayInterest(claim.Stream, claim.HolderId, joined: false);
        }
    }
}
