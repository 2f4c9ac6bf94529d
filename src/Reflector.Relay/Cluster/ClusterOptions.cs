using Microsoft.Extensions.Options;

namespace Reflector.Relay.Cluster;

/// <summary>
/// How relays sharing one Redis (<c>ConnectionStrings:Redis</c>) keep one upstream socket per user. Bound from the
/// <c>Cluster</c> section; every relay of a cluster should use the same values.
/// </summary>
internal sealed class ClusterOptions
{
    public const string SectionName = "Cluster";
    public const string ConnectionStringName = "Redis";

    /// <summary>
    /// This relay's name in Redis. Default: host name and process id. Each process adds a random suffix of its own
    /// (<see cref="AddIncarnation"/>), so a process started again under a fixed name (a StatefulSet's pod name) is a
    /// new node: the claims its killed predecessor held fail over, instead of staying held by a name that answers.
    /// </summary>
    public string NodeId { get; set; } = $"{Environment.MachineName}-{Environment.ProcessId}";

    /// <summary>Makes <see cref="NodeId"/> this process's own; applied once, after binding.</summary>
    internal void AddIncarnation() => NodeId = $"{NodeId}-{Guid.NewGuid().ToString("N")[..6]}";

    /// <summary>How often a relay says it is alive and checks on the others. Default 1 second.</summary>
    public TimeSpan HeartbeatInterval { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>
    /// A relay silent this long is dead: its sockets are taken over by relays with the users' connections. Bounds
    /// failover time (plus one heartbeat and a handshake). Default 3 seconds.
    /// </summary>
    public TimeSpan NodeTimeout { get; set; } = TimeSpan.FromSeconds(3);

    /// <summary>
    /// How long a stream's keys in Redis (holder, epoch, last status, interested relays) and the set of relays live
    /// unless renewed. Relays renew what they use every third of it, so the cost is one command per stream and
    /// third of this, not per heartbeat; what a killed relay leaves behind is gone after it. At least ten times
    /// <see cref="NodeTimeout"/>: a relay cut off from Redis has lost its claims to the node timeout long before
    /// their keys could lapse. Default one hour.
    /// </summary>
    public TimeSpan KeyLifetime { get; set; } = TimeSpan.FromHours(1);

    /// <summary>How often a relay renews the keys it uses (<see cref="KeyLifetime"/>).</summary>
    internal TimeSpan KeyRenewalInterval => KeyLifetime / 3;

    /// <summary>Prefix of every key and channel, so several clusters can share one Redis. Default <c>reflector-relay</c>.</summary>
    public string KeyPrefix { get; set; } = "reflector-relay";
}

internal sealed class ClusterOptionsValidator : IValidateOptions<ClusterOptions>
{
    public ValidateOptionsResult Validate(string? name, ClusterOptions options)
    {
        var failures = new List<string>();
        if (string.IsNullOrWhiteSpace(options.NodeId) || options.NodeId.IndexOfAny(['/', '|']) >= 0)
        {
            failures.Add($"Cluster:NodeId (Cluster__NodeId) must be non-blank and contain neither '/' nor '|'; got '{options.NodeId}'.");
        }

        if (options.HeartbeatInterval < TimeSpan.FromMilliseconds(100))
        {
            failures.Add($"Cluster:HeartbeatInterval (Cluster__HeartbeatInterval) must be at least 00:00:00.1; got {options.HeartbeatInterval}.");
        }

        if (options.NodeTimeout < 2 * options.HeartbeatInterval)
        {
            failures.Add($"Cluster:NodeTimeout (Cluster__NodeTimeout) must be at least twice Cluster:HeartbeatInterval; got {options.NodeTimeout}.");
        }

        if (options.KeyLifetime < 10 * options.NodeTimeout)
        {
            failures.Add($"Cluster:KeyLifetime (Cluster__KeyLifetime) must be at least ten times Cluster:NodeTimeout; got {options.KeyLifetime}.");
        }

        if (string.IsNullOrWhiteSpace(options.KeyPrefix))
        {
            failures.Add("Cluster:KeyPrefix (Cluster__KeyPrefix) must not be blank.");
        }

        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }
}
