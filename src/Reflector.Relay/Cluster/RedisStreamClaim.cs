using System.Globalization;
using Reflector.Relay.Events;
using StackExchange.Redis;

namespace Reflector.Relay.Cluster;

/// <summary>
/// One relay's part in one stream in a cluster (a user's events, or a user's stream of one transcript): it holds
/// the stream's socket under a claim, or waits for the holder to go while following its messages on the stream's
/// channel. While Redis is unreachable it holds a socket of its own (a fallback lease) and, when Redis returns,
/// keeps it only if its claim wins.
/// </summary>
internal sealed partial class RedisStreamClaim<TMessage> : IRedisClaim, IUpstreamClaim<TMessage>
    where TMessage : class
{
    private readonly RedisUpstreamOwnership _cluster;
    private readonly IClaimObserver<TMessage> _observer;

    private readonly Lock _lock = new();
    private CancellationTokenSource? _lease;
    // "holder|epoch" as stored in Redis while the claim is won; null for a fallback lease.
    private string? _holderValue;
    private long _epoch;
    private long _sequence;
    private string? _waitingOn;
    private TaskCompletionSource _wake = NewSignal();
    private HashSet<string> _interested = new(StringComparer.Ordinal);
    // When this claim last renewed its keys in Redis (a TimeProvider timestamp).
    private long _keysRenewedAt;

    // Newest epoch heard on the channel, and the newest status: older ones come from a relay that lost its claim.
    private long _newestEpoch;
    private (long Epoch, long Sequence) _newestStatus;

    // Completes after the first attempt to subscribe, heard or not: a relay that cannot hear Redis serves its tabs alone.
    private readonly TaskCompletionSource _ready = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private bool _disposed;

    /// <param name="streamKey">The stream's name in Redis (<see cref="ClusterKeys.UserStream"/>, <see cref="ClusterKeys.TranscriptStream"/>).</param>
    public RedisStreamClaim(RedisUpstreamOwnership cluster, string streamKey, string holderId, IClaimObserver<TMessage> observer)
    {
        _cluster = cluster;
        StreamKey = streamKey;
        HolderId = holderId;
        _observer = observer;
        // Its keys were just written. Its first renewal falls anywhere in the first interval, so the claims a relay
        // makes together (every user's, after a restart) are not all renewed at the same heartbeat ever after.
        var spread = Random.Shared.NextDouble() * cluster.KeyRenewalInterval.TotalSeconds * cluster.TimeProvider.TimestampFrequency;
        _keysRenewedAt = cluster.TimeProvider.GetTimestamp() - (long)spread;
    }

    public string StreamKey { get; }

    public Task Ready => _ready.Task;

    /// <summary>This claim's name in Redis: the relay and a number, so a relay's old and new claims of a user differ.</summary>
    public string HolderId { get; }

    public bool OthersInterested
    {
        get
        {
            lock (_lock)
            {
                return _interested.Any(_cluster.IsLive);
            }
        }
    }

    public bool MayDeliver
    {
        get
        {
            lock (_lock)
            {
                // A fallback lease serves this relay's own tabs while Redis is away: nobody else can be serving them.
                return _lease is not null && (_holderValue is null || !_cluster.PresenceLapsed);
            }
        }
    }

    public void Start() => _ = EnsureSubscribedAsync();

    public async ValueTask<UpstreamLease> AcquireAsync(CancellationToken cancellationToken)
    {
        // Listening first, so a release published while this relay claims is not missed.
        await Ready.WaitAsync(cancellationToken).ConfigureAwait(false);
        while (true)
        {
            cancellationToken.ThrowIfCancellationRequested();
            Task wake;
            lock (_lock)
            {
                wake = _wake.Task;
            }

            if (!_cluster.IsConnected)
            {
                return Grant(holderValue: null, kind: "fallback", continues: false);
            }

            ClaimResult result;
            try
            {
                result = await _cluster.TryClaimAsync(StreamKey, HolderId, EpochFloor).ConfigureAwait(false);
            }
            catch (Exception exception) when (exception is RedisException or TimeoutException)
            {
                return Grant(holderValue: null, kind: "fallback", continues: false);
            }

            if (result.Won)
            {
                var lease = Grant(result.HolderValue, result.TookOverFromDeadRelay ? "failover" : "claim", result.TookOverFromDeadRelay);
                await RefreshInterestAsync().ConfigureAwait(false);
                return lease;
            }

            lock (_lock)
            {
                _waitingOn = result.HolderNode;
            }

            // Woken by a release, the holder's relay dying, or Redis coming and going; the timeout is a safety net
            // for a lost release message, rare enough to cost nothing at scale. A holder this relay does not know
            // alive (it may have died just now, before this relay was listening for it) is checked again soon.
            var retry = _cluster.IsLive(result.HolderNode) ? _cluster.SafetyRetry : _cluster.HeartbeatInterval;
            await wake.WaitAsync(retry, _cluster.TimeProvider, cancellationToken)
                .ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        }
    }

    public void Publish(TMessage message) => Publish(ClusterMessageKind.Invalidate, message, null);

    public void Publish(UpstreamStatus status) => Publish(ClusterMessageKind.Status, null, status);

    public async ValueTask ReleaseAsync()
    {
        CancellationTokenSource? lease;
        string? holderValue;
        lock (_lock)
        {
            lease = _lease;
            holderValue = _holderValue;
            _lease = null;
            _holderValue = null;
        }

        if (holderValue is not null)
        {
            // Only the holder's own release frees the claim while its relay lives: one that cannot be sent now is
            // retried at every heartbeat until Redis takes it.
            await _cluster.ReleaseOrRetryLaterAsync(StreamKey, HolderId, holderValue).ConfigureAwait(false);
        }

        await CancelAsync(lease).ConfigureAwait(false);
    }

    public async ValueTask DisposeAsync()
    {
        ChannelMessageQueue? queue;
        lock (_lock)
        {
            if (_disposed)
            {
                return;
            }

            _disposed = true;
            _live = false;
            queue = _queue;
            _queue = null;
        }

        await ReleaseAsync().ConfigureAwait(false);
        _cluster.Leave(this);
        if (queue is not null)
        {
            // Also while Redis is away: the client would otherwise subscribe this queue again when it returns.
            await queue.UnsubscribeAsync().ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        }

        Task subscribing;
        lock (_lock)
        {
            subscribing = _subscribing;
        }

        await subscribing.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        _probe?.TrySetCanceled();
        Wake();
    }

    /// <summary>Redis is unreachable: a relay waiting for the holder holds a socket of its own meanwhile.</summary>
    public void OnRedisLost()
    {
        OnSubscriptionLost();
        Wake();
    }

    /// <summary>
    /// Redis answers again, or this relay was silent long enough to have been given up: a held socket is kept only
    /// if the claim still wins; a waiting relay tries again; a following relay may have missed messages.
    /// </summary>
    /// <returns><see langword="true"/> when this relay still holds the socket.</returns>
    public async Task<bool> SettleAsync()
    {
        bool holding;
        lock (_lock)
        {
            if (_disposed)
            {
                return false;
            }

            holding = _lease is not null;
            if (!holding)
            {
                // Following, this relay may have missed the holder's messages while it was away.
                _gapReason ??= "rejoined";
            }
        }

        // Not awaited: the relay's whole rejoin waits on its settling, and a probe that cannot come back yet (the
        // pub/sub connection reconnects on its own) must not hold up thousands of claims. Until the claim hears its
        // channel, a follower's resync waits (it is sent once the probe comes back, so nothing after it is lost
        // too), and a holder that lost keeps its socket for its own tabs (settled again at the next heartbeat).
        _ = EnsureSubscribedAsync();
        var live = IsLive;
        if (!holding)
        {
            Wake();
            await TellGapAsync(heard: false).ConfigureAwait(false);
            return false;
        }

        ClaimResult result;
        try
        {
            result = await _cluster.TryClaimAsync(StreamKey, HolderId, EpochFloor).ConfigureAwait(false);
        }
        catch (Exception exception) when (exception is RedisException or TimeoutException)
        {
            // Settled at a later heartbeat; meanwhile the socket serves this relay's own tabs.
            RedisClaimLog.SettleFailed(_cluster.Logger, StreamKey, exception.Message);
            return false;
        }

        CancellationTokenSource? lost = null;
        bool releasedMeanwhile;
        lock (_lock)
        {
            releasedMeanwhile = _lease is null;
            if (releasedMeanwhile)
            {
                // Let go while the claim was being settled.
            }
            else if (result.Won)
            {
                _holderValue = result.HolderValue;
                var epoch = EpochOf(result.HolderValue);
                if (epoch != _epoch)
                {
                    // Receivers expect a new epoch's messages from 1: anything else they take for a gap.
                    _sequence = 0;
                }

                _epoch = epoch;
                _newestEpoch = Math.Max(_newestEpoch, _epoch);
            }
            else if (!live)
            {
                // Lost, but this relay cannot hear the holder yet: its tabs keep its own socket (a fallback lease,
                // settled again at every heartbeat) until they can.
                _holderValue = null;
            }
            else
            {
                lost = _lease;
                _lease = null;
                _holderValue = null;
            }
        }

        if (releasedMeanwhile)
        {
            if (result.Won)
            {
                // The win must not outlive the release that raced it, or nobody could claim the user again.
                await _cluster.ReleaseOrRetryLaterAsync(StreamKey, HolderId, result.HolderValue).ConfigureAwait(false);
            }

            return false;
        }

        if (lost is not null)
        {
            _cluster.Metrics.ClusterClaimLost();
            RedisClaimLog.ClaimLost(_cluster.Logger, StreamKey, result.HolderNode);
            await CancelAsync(lost).ConfigureAwait(false);
            return false;
        }

        await RefreshInterestAsync().ConfigureAwait(false);
        return true;
    }

    /// <summary>A socket held on a fallback lease while Redis answers (a claim that failed on a timeout): settle it.</summary>
    public bool HoldsFallback
    {
        get
        {
            lock (_lock)
            {
                return _lease is not null && _holderValue is null;
            }
        }
    }

    /// <summary>The claim held through the settling: whatever the socket could not deliver meanwhile needs a resync.</summary>
    public Task ConfirmedAsync() => _observer.OnClaimConfirmedAsync();

    /// <summary>Relays found dead: a waiter whose holder died claims now; a holder forgets their connections.</summary>
    public void OnRelaysDied(IReadOnlySet<string> dead)
    {
        bool wake;
        bool interestChanged;
        lock (_lock)
        {
            wake = _waitingOn is not null && dead.Contains(_waitingOn);
            interestChanged = _interested.RemoveWhere(dead.Contains) > 0;
        }

        if (wake)
        {
            Wake();
        }

        if (interestChanged)
        {
            _observer.OnInterestChanged();
        }
    }

    public bool RenewalDue =>
        _cluster.TimeProvider.GetElapsedTime(Interlocked.Read(ref _keysRenewedAt)) >= _cluster.KeyRenewalInterval;

    /// <summary>
    /// Keeps this relay's part of the stream's keys alive: its interest, whether it holds the socket or follows it,
    /// and, holding it, the holder, epoch and status keys, but only while they still name this claim. When they do
    /// not (they lapsed, or another relay's claim is there), the claim is settled as after a lapse of presence.
    /// </summary>
    public async Task RenewKeysAsync()
    {
        string? holderValue;
        lock (_lock)
        {
            if (_disposed)
            {
                return;
            }

            holderValue = _lease is null ? null : _holderValue;
        }

        _cluster.RenewInterest(StreamKey);
        if (holderValue is not null)
        {
            bool held;
            try
            {
                held = await _cluster.RenewHoldAsync(StreamKey, holderValue).ConfigureAwait(false);
            }
            catch (Exception exception) when (exception is RedisException or TimeoutException)
            {
                // Still due: tried again at the next heartbeat, long before the keys could lapse.
                RedisClaimLog.RenewFailed(_cluster.Logger, StreamKey, exception.Message);
                return;
            }

            if (!held && StillHolds(holderValue))
            {
                RedisClaimLog.RenewFoundClaimChanged(_cluster.Logger, StreamKey);
                if (await SettleAsync().ConfigureAwait(false))
                {
                    await ConfirmedAsync().ConfigureAwait(false);
                }
            }
        }

        Interlocked.Exchange(ref _keysRenewedAt, _cluster.TimeProvider.GetTimestamp());
    }

    /// <summary>Not released, lost or settled anew since <paramref name="holderValue"/> was read.</summary>
    private bool StillHolds(string holderValue)
    {
        lock (_lock)
        {
            return _lease is not null && _holderValue == holderValue;
        }
    }

    private UpstreamLease Grant(string? holderValue, string kind, bool continues)
    {
        var lease = new CancellationTokenSource();
        lock (_lock)
        {
            _lease = lease;
            _holderValue = holderValue;
            _waitingOn = null;
            if (holderValue is not null)
            {
                _epoch = EpochOf(holderValue);
                _newestEpoch = Math.Max(_newestEpoch, _epoch);
                // Numbered from 1 in each epoch, so followers can tell a gap from a new holder.
                _sequence = 0;
                _heard = null;
            }
        }

        _cluster.Metrics.ClusterClaimWon(kind);
        RedisClaimLog.ClaimWon(_cluster.Logger, StreamKey, kind);
        return new UpstreamLease(continues, lease.Token);
    }

    private void Publish(ClusterMessageKind kind, TMessage? message, UpstreamStatus? status)
    {
        ClusterEnvelope envelope;
        string holderValue;
        lock (_lock)
        {
            // Only a won claim speaks for the user; a fallback lease serves this relay's connections alone.
            if (_lease is null || _holderValue is null)
            {
                return;
            }

            holderValue = _holderValue;

            envelope = new ClusterEnvelope(
                HolderId, _epoch, ++_sequence, kind, message as InvalidateMessage, status, message as TranscriptEventMessage);
        }

        _cluster.Publish(StreamKey, envelope, kind == ClusterMessageKind.Status ? holderValue : null);
    }

    /// <summary>One more than the newest epoch this claim heard or held: a new claim's epoch is at least that.</summary>
    private long EpochFloor
    {
        get
        {
            lock (_lock)
            {
                return _newestEpoch + 1;
            }
        }
    }

    private bool IsHolding
    {
        get
        {
            lock (_lock)
            {
                return _lease is not null;
            }
        }
    }

    private async Task RefreshInterestAsync()
    {
        string[] nodes;
        try
        {
            nodes = await _cluster.InterestedNodesAsync(StreamKey).ConfigureAwait(false);
        }
        catch (Exception exception) when (exception is RedisException or TimeoutException)
        {
            return;
        }

        lock (_lock)
        {
            _interested = new HashSet<string>(nodes.Where(node => node != _cluster.NodeId), StringComparer.Ordinal);
        }

        _observer.OnInterestChanged();
    }

    private void Wake()
    {
        TaskCompletionSource wake;
        lock (_lock)
        {
            wake = _wake;
            _wake = NewSignal();
        }

        wake.TrySetResult();
    }

    private static async Task CancelAsync(CancellationTokenSource? lease)
    {
        if (lease is not null)
        {
            // Not disposed: the upstream may still register on the lease's token.
            await lease.CancelAsync().ConfigureAwait(false);
        }
    }

    private static long EpochOf(string holderValue) =>
        long.Parse(holderValue.AsSpan(holderValue.LastIndexOf('|') + 1), CultureInfo.InvariantCulture);

    private static TaskCompletionSource NewSignal() => new(TaskCreationOptions.RunContinuationsAsynchronously);
}
