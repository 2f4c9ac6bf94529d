using StackExchange.Redis;

namespace Reflector.Relay.Cluster;

/// <summary>
/// Keeps a claim's part of its stream's keys alive, once every <see cref="ClusterOptions.KeyRenewalInterval"/>: its
/// relay's interest, whether it holds the socket or follows it, and, holding it, the holder, epoch and status keys,
/// but only while they still name this claim.
/// </summary>
internal sealed class ClaimKeyRenewal
{
    private readonly ClusterContext _cluster;
    private readonly ClusterStream _stream;
    private readonly ClaimLease _lease;
    // When the keys were last renewed (a TimeProvider timestamp).
    private long _renewedAt;

    public ClaimKeyRenewal(ClusterContext cluster, ClusterStream stream, ClaimLease lease)
    {
        _cluster = cluster;
        _stream = stream;
        _lease = lease;
        // The keys were just written. The first renewal falls anywhere in the first interval, so the claims a relay
        // makes together (every user's, after a restart) are not all renewed at the same heartbeat ever after.
        var spread = Random.Shared.NextDouble() * cluster.KeyRenewalInterval.TotalSeconds * cluster.TimeProvider.TimestampFrequency;
        _renewedAt = cluster.TimeProvider.GetTimestamp() - (long)spread;
    }

    public bool Due => _cluster.TimeProvider.GetElapsedTime(Interlocked.Read(ref _renewedAt)) >= _cluster.KeyRenewalInterval;

    /// <summary>Renews the keys; never throws for Redis being away (still due, so tried again at the next heartbeat).</summary>
    /// <param name="resettleAsync">
    /// The holder's keys no longer name this claim (they lapsed, or another relay's claim is there): the claim is
    /// settled as after a lapse of presence.
    /// </param>
    public async Task RenewAsync(Func<Task> resettleAsync)
    {
        var holderValue = _lease.HolderValue;
        _cluster.Commands.RenewInterest(_stream);
        if (holderValue is not null)
        {
            bool held;
            try
            {
                held = await _cluster.Commands.RenewHoldAsync(_stream, holderValue).ConfigureAwait(false);
            }
            catch (Exception exception) when (exception is RedisException or TimeoutException)
            {
                // Still due: tried again at the next heartbeat, long before the keys could lapse.
                ClaimKeyRenewalLog.RenewFailed(_cluster.Logger, _stream.UserId, _stream.TranscriptId, exception.Message);
                return;
            }

            if (!held && _lease.StillHolds(holderValue))
            {
                ClaimKeyRenewalLog.RenewFoundClaimChanged(_cluster.Logger, _stream.UserId, _stream.TranscriptId);
                await resettleAsync().ConfigureAwait(false);
            }
        }

        Interlocked.Exchange(ref _renewedAt, _cluster.TimeProvider.GetTimestamp());
    }
}
