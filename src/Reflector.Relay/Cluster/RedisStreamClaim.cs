using Reflector.Relay.Events;
using StackExchange.Redis;

namespace Reflector.Relay.Cluster;

/// <summary>
/// One relay's part in one stream in a cluster (a user's events, or a user's stream of one transcript): it holds
/// the stream's socket under a claim (<see cref="ClaimLease"/>), or waits for the holder to go (<see cref="HolderWatch"/>)
/// while following its messages (<see cref="StreamFollower{TMessage}"/>) on the stream's channel
/// (<see cref="StreamChannel{TMessage}"/>). While Redis is unreachable it holds a socket of its own (a fallback
/// lease) and, when Redis returns, keeps it only if its claim wins.
/// </summary>
internal sealed class RedisStreamClaim<TMessage> : IRedisClaim, IUpstreamClaim<TMessage>
    where TMessage : class
{
    private readonly ClusterContext _cluster;
    private readonly ClusterEnvelopeFormat<TMessage> _format;
    private readonly IClaimObserver<TMessage> _observer;
    private readonly EpochFence _fence = new();
    private readonly ClaimLease _lease;
    private readonly HolderWatch _watch = new();
    private readonly StreamInterest _interest;
    private readonly StreamFollower<TMessage> _follower;
    private readonly StreamChannel<TMessage> _channel;
    private readonly ClaimKeyRenewal _renewal;
    private int _disposed;

    public RedisStreamClaim(
        ClusterContext cluster, ClusterStream stream, string holderId, ClusterEnvelopeFormat<TMessage> format, IClaimObserver<TMessage> observer)
    {
        _cluster = cluster;
        _format = format;
        _observer = observer;
        Stream = stream;
        HolderId = holderId;
        _lease = new ClaimLease(_fence);
        _interest = new StreamInterest(cluster.NodeId);
        _follower = new StreamFollower<TMessage>(stream, _lease, _fence, observer, cluster.Metrics, cluster.Logger);
        _channel = new StreamChannel<TMessage>(cluster, stream, holderId, format, _follower, OnEnvelopeAsync);
        _renewal = new ClaimKeyRenewal(cluster, stream, _lease);
    }

    public ClusterStream Stream { get; }

    public string HolderId { get; }

    public Task Ready => _channel.Ready;

    public bool OthersInterested => _interest.AnyLive(_cluster.IsLive);

    public bool MayDeliver => _lease.MayDeliver(_cluster.PresenceLapsed);

    public bool HoldsFallback => _lease.HoldsFallback;

    public bool IsLive => _channel.IsLive;

    public bool RenewalDue => _renewal.Due;

    private bool Disposed => Volatile.Read(ref _disposed) != 0;

    public void Start() => _ = _channel.EnsureSubscribedAsync();

    public Task<bool> EnsureSubscribedAsync() => _channel.EnsureSubscribedAsync();

    public void OnSubscriptionLost() => _channel.OnSubscriptionLost();

    public async ValueTask<UpstreamLease> AcquireAsync(CancellationToken cancellationToken)
    {
        // Listening first, so a release published while this relay claims is not missed.
        await Ready.WaitAsync(cancellationToken).ConfigureAwait(false);
        while (true)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var wake = _watch.NextWake;
            if (!_cluster.Connection.IsConnected)
            {
                return Grant(holderValue: null, kind: "fallback", continues: false);
            }

            ClaimResult result;
            try
            {
                result = await _cluster.Commands.TryClaimAsync(Stream, HolderId, _fence.Floor).ConfigureAwait(false);
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

            _watch.WaitOn(result.HolderNode);
            // Woken by a release, the holder's relay dying, or Redis coming and going; the timeout is a safety net
            // for a lost release message, rare enough to cost nothing at scale. A holder this relay does not know
            // alive (it may have died just now, before this relay was listening for it) is checked again soon.
            var retry = _cluster.IsLive(result.HolderNode) ? _cluster.SafetyRetry : _cluster.HeartbeatInterval;
            await wake.WaitAsync(retry, _cluster.TimeProvider, cancellationToken)
                .ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        }
    }

    public void Publish(TMessage message) => Publish(ClusterMessageKind.Message, message, status: null);

    public void Publish(UpstreamStatus status) => Publish(ClusterMessageKind.Status, message: null, status);

    public async ValueTask ReleaseAsync()
    {
        var (lease, holderValue) = _lease.Take();
        if (holderValue is not null)
        {
            // Only the holder's own release frees the claim while its relay lives: one that cannot be sent now is
            // retried at every heartbeat until Redis takes it.
            await _cluster.Releases.ReleaseOrRetryLaterAsync(new ClaimRelease(Stream, HolderId, holderValue)).ConfigureAwait(false);
        }

        await CancelAsync(lease).ConfigureAwait(false);
    }

    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        _channel.Close();
        await ReleaseAsync().ConfigureAwait(false);
        _cluster.Leave(this);
        await _channel.DisposeAsync().ConfigureAwait(false);
        _watch.Wake();
    }

    public void OnRedisLost()
    {
        OnSubscriptionLost();
        _watch.Wake();
    }

    public async Task<bool> SettleAsync()
    {
        if (Disposed)
        {
            return false;
        }

        var holding = _lease.IsHolding;
        if (!holding)
        {
            // Following, this relay may have missed the holder's messages while it was away.
            _follower.MissedMessages("rejoined");
        }

        // Not awaited: the relay's whole rejoin waits on its settling, and a probe that cannot come back yet (the
        // pub/sub connection reconnects on its own) must not hold up thousands of claims. Until the claim hears its
        // channel, a follower's resync waits (it is sent once the probe comes back, so nothing after it is lost
        // too), and a holder that lost keeps its socket for its own tabs (settled again at the next heartbeat).
        _ = _channel.EnsureSubscribedAsync();
        var live = _channel.IsLive;
        if (!holding)
        {
            _watch.Wake();
            if (live)
            {
                await _follower.TellGapAsync().ConfigureAwait(false);
            }

            return false;
        }

        ClaimResult result;
        try
        {
            result = await _cluster.Commands.TryClaimAsync(Stream, HolderId, _fence.Floor).ConfigureAwait(false);
        }
        catch (Exception exception) when (exception is RedisException or TimeoutException)
        {
            // Settled at a later heartbeat; meanwhile the socket serves this relay's own tabs.
            RedisStreamClaimLog.SettleFailed(_cluster.Logger, Stream.UserId, Stream.TranscriptId, exception.Message);
            return false;
        }

        switch (_lease.Settle(result, hearsHolder: live, out var lost))
        {
            case SettleOutcome.ReleasedMeanwhile:
                if (result.Won)
                {
                    // The win must not outlive the release that raced it, or nobody could claim the stream again.
                    await _cluster.Releases.ReleaseOrRetryLaterAsync(new ClaimRelease(Stream, HolderId, result.HolderValue)).ConfigureAwait(false);
                }

                return false;
            case SettleOutcome.Lost:
                _cluster.Metrics.ClusterClaimLost();
                RedisStreamClaimLog.ClaimLost(_cluster.Logger, Stream.UserId, Stream.TranscriptId, result.HolderNode);
                await _follower.OnHoldLostAsync(lost!).ConfigureAwait(false);
                return false;
            default:
                await RefreshInterestAsync().ConfigureAwait(false);
                return true;
        }
    }

    public Task ConfirmedAsync() => _observer.OnClaimConfirmedAsync();

    private async Task ResettleAsync()
    {
        if (await SettleAsync().ConfigureAwait(false))
        {
            await ConfirmedAsync().ConfigureAwait(false);
        }
    }

    public void OnRelaysDied(IReadOnlySet<string> dead)
    {
        _watch.OnRelaysDied(dead);
        if (_interest.Forget(dead))
        {
            _observer.OnInterestChanged();
        }
    }

    public Task RenewKeysAsync() => Disposed ? Task.CompletedTask : _renewal.RenewAsync(ResettleAsync);

    private UpstreamLease Grant(string? holderValue, string kind, bool continues)
    {
        var lost = _lease.Grant(holderValue);
        _watch.WaitOn(null);
        if (holderValue is not null)
        {
            _follower.OnHolding();
        }

        _cluster.Metrics.ClusterClaimWon(kind);
        RedisStreamClaimLog.ClaimWon(_cluster.Logger, Stream.UserId, Stream.TranscriptId, kind);
        return new UpstreamLease(continues, lost);
    }

    private void Publish(ClusterMessageKind kind, TMessage? message, UpstreamStatus? status)
    {
        if (!_lease.TryNumber(out var holderValue, out var epoch, out var sequence))
        {
            return;
        }

        var json = _format.Serialize(new ClusterEnvelope<TMessage>(HolderId, epoch, sequence, kind, message, status));
        _cluster.Commands.Publish(Stream, json, holderValue, new HolderPosition(epoch, sequence), kind == ClusterMessageKind.Status);
    }

    /// <summary>Everything the channel hears but probes: signals from other relays, and the holder's messages.</summary>
    private async Task OnEnvelopeAsync(ClusterEnvelope<TMessage> envelope, bool fromChannel)
    {
        if (envelope.Holder == HolderId)
        {
            return;
        }

        _cluster.Metrics.ClusterMessageReceived();
        switch (envelope.Kind)
        {
            case ClusterMessageKind.Released:
                _watch.Wake();
                return;
            case ClusterMessageKind.Interest:
                if (_lease.IsHolding)
                {
                    await RefreshInterestAsync().ConfigureAwait(false);
                }

                return;
            default:
                await _follower.OnHolderEnvelopeAsync(envelope, fromChannel).ConfigureAwait(false);
                return;
        }
    }

    private async Task RefreshInterestAsync()
    {
        string[] nodes;
        try
        {
            nodes = await _cluster.Commands.InterestedNodesAsync(Stream).ConfigureAwait(false);
        }
        catch (Exception exception) when (exception is RedisException or TimeoutException)
        {
            return;
        }

        _interest.Replace(nodes);
        _observer.OnInterestChanged();
    }

    private static async Task CancelAsync(CancellationTokenSource? lease)
    {
        if (lease is not null)
        {
            // Not disposed: the upstream may still register on the lease's token.
            await lease.CancelAsync().ConfigureAwait(false);
        }
    }
}
