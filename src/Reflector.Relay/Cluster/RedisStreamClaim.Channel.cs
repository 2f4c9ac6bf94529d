using StackExchange.Redis;

namespace Reflector.Relay.Cluster;

/// <summary>
/// The claim's ear on the stream's channel: the holder's messages, releases, and other relays coming and going.
/// Hearing the channel is a state this claim proves rather than assumes: a SUBSCRIBE can fail or half-fail, and the
/// client resubscribes a dropped pub/sub connection by itself, silently losing what was published meanwhile. So the
/// claim is <see cref="IsLive"/> only once a probe it published came back on its own queue; until then it is tried
/// again at every heartbeat (one attempt at a time), and its tabs get a <c>resync</c> once it hears again.
/// </summary>
internal sealed partial class RedisStreamClaim<TMessage>
{
    // The queue this claim subscribed and owns (unsubscribed on failure and on dispose); null before, or after a failure.
    private ChannelMessageQueue? _queue;
    private bool _live;
    private Task<bool> _subscribing = Task.FromResult(false);
    // Why this relay's followers may have missed the holder's messages; told to them (resync) once the claim is live.
    private string? _gapReason;
    private long _probeNumber;
    private TaskCompletionSource? _probe;
    // The holder's last message heard on the channel while following: the next one must come right after it.
    private (long Epoch, long Sequence)? _heard;
    private readonly SemaphoreSlim _delivering = new(1, 1);

    /// <summary>A probe of this claim came back on its queue, and nothing since suggests the queue went deaf.</summary>
    public bool IsLive
    {
        get
        {
            lock (_lock)
            {
                return _live;
            }
        }
    }

    /// <summary>
    /// Subscribes (or checks the subscription it has) until it is proven live. One attempt at a time: a caller
    /// arriving while one is under way waits for that one.
    /// </summary>
    /// <returns><see langword="true"/> once the claim hears its channel.</returns>
    public Task<bool> EnsureSubscribedAsync()
    {
        lock (_lock)
        {
            if (_disposed)
            {
                return Task.FromResult(false);
            }

            if (_live)
            {
                return Task.FromResult(true);
            }

            if (!_subscribing.IsCompleted)
            {
                return _subscribing;
            }

            _subscribing = SubscribeOnceAsync();
            return _subscribing;
        }
    }

    /// <summary>
    /// The pub/sub connection dropped (or Redis went): the client will subscribe the queue again by itself, but what
    /// was published meanwhile is lost. Proven live again, the claim tells its tabs.
    /// </summary>
    public void OnSubscriptionLost()
    {
        lock (_lock)
        {
            _live = false;
            _gapReason ??= "subscription_lost";
        }
    }

    private async Task<bool> SubscribeOnceAsync()
    {
        // Off the caller's lock: the client may complete the subscribe inline.
        await Task.Yield();
        var channel = _cluster.Keys.Channel(StreamKey);
        ChannelMessageQueue? queue;
        lock (_lock)
        {
            queue = _queue;
        }

        try
        {
            if (queue is null)
            {
                if (!_cluster.IsConnected)
                {
                    throw new RedisConnectionException(ConnectionFailureType.UnableToConnect, "Redis is unreachable");
                }

                queue = await SubscribeQueueAsync(channel).ConfigureAwait(false);
                if (queue is null)
                {
                    return false;
                }

                // Subscribed first, then read: a status published in between arrives on the channel, and the older
                // of the two is dropped by its sequence. The queue holds what arrives until the handler is attached.
                if (ClusterEnvelope.Parse(await _cluster.LastStatusAsync(StreamKey).ConfigureAwait(false)) is { Kind: ClusterMessageKind.Status } last)
                {
                    await OnEnvelopeAsync(last, fromChannel: false).ConfigureAwait(false);
                }

                queue.OnMessage(message => OnEnvelopeAsync(ClusterEnvelope.Parse(message.Message), fromChannel: true));
            }

            if (!_cluster.Subscriber.IsConnected(channel))
            {
                // The client subscribes the queue again once its pub/sub connection is back; checked at a later beat.
                return false;
            }

            if (!await ProbeAsync(channel).ConfigureAwait(false))
            {
                throw new TimeoutException("the probe published on the channel did not come back");
            }

            lock (_lock)
            {
                _live = !_disposed;
            }

            await TellGapAsync(heard: false).ConfigureAwait(false);
            return true;
        }
        catch (Exception exception) when (exception is RedisException or TimeoutException)
        {
            // Tried again at the next heartbeat; meanwhile this relay's tabs may miss the holder's messages.
            RedisClaimLog.SubscribeFailed(_cluster.Logger, StreamKey, exception.Message);
            lock (_lock)
            {
                _live = false;
                _gapReason ??= "subscribe_failed";
                if (ReferenceEquals(_queue, queue))
                {
                    _queue = null;
                }
            }

            if (queue is not null)
            {
                await queue.UnsubscribeAsync().ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
            }
            else if (_cluster.IsOnlyClaimOn(StreamKey))
            {
                // A SUBSCRIBE that failed may still have left a queue registered in the client, which it would
                // subscribe again and fill forever: with no other claim of this stream here, the channel is cleared.
                await _cluster.Subscriber.UnsubscribeAsync(channel).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
            }

            return false;
        }
        finally
        {
            _ready.TrySetResult();
        }
    }

    private async Task<ChannelMessageQueue?> SubscribeQueueAsync(RedisChannel channel)
    {
        var queue = await _cluster.Subscriber.SubscribeAsync(channel).ConfigureAwait(false);
        lock (_lock)
        {
            if (!_disposed)
            {
                _queue = queue;
                return queue;
            }
        }

        await queue.UnsubscribeAsync().ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        return null;
    }

    /// <summary>Publishes a probe and waits for it on this claim's own queue: the one proof that the queue hears.</summary>
    private async Task<bool> ProbeAsync(RedisChannel channel)
    {
        var probe = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        long number;
        lock (_lock)
        {
            number = ++_probeNumber;
            _probe = probe;
        }

        await _cluster.Subscriber.PublishAsync(
            channel, new ClusterEnvelope(HolderId, 0, number, ClusterMessageKind.Probe).ToJson()).ConfigureAwait(false);
        await probe.Task.WaitAsync(_cluster.ProbeTimeout, _cluster.TimeProvider).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        return probe.Task.IsCompletedSuccessfully;
    }

    /// <summary>
    /// This relay's tabs may have missed the holder's messages: a resync, if this relay follows the holder. Only once
    /// the claim hears its channel (proven live, or <paramref name="heard"/> a message on it just now), so nothing
    /// after the resync is lost as well.
    /// </summary>
    private async Task TellGapAsync(bool heard)
    {
        await _delivering.WaitAsync().ConfigureAwait(false);
        try
        {
            await TellGapWhileDeliveringAsync(heard).ConfigureAwait(false);
        }
        finally
        {
            _delivering.Release();
        }
    }

    private async Task TellGapWhileDeliveringAsync(bool heard)
    {
        string? reason;
        lock (_lock)
        {
            if (!_live && !heard)
            {
                return;
            }

            reason = _gapReason;
            if (reason is null || _lease is not null)
            {
                // Holding: this relay's own socket served its tabs (a lease lost later brings its own resync).
                _gapReason = null;
                return;
            }

            _gapReason = null;
        }

        _cluster.Metrics.ClusterResync(reason);
        RedisClaimLog.Resync(_cluster.Logger, StreamKey, reason);
        await _observer.OnRemoteGapAsync().ConfigureAwait(false);
    }

    private async Task OnEnvelopeAsync(ClusterEnvelope? envelope, bool fromChannel)
    {
        if (envelope is null)
        {
            return;
        }

        if (envelope.Kind == ClusterMessageKind.Probe)
        {
            TaskCompletionSource? probe = null;
            lock (_lock)
            {
                if (envelope.Holder == HolderId && envelope.Sequence == _probeNumber)
                {
                    probe = _probe;
                }
            }

            probe?.TrySetResult();
            return;
        }

        if (envelope.Holder == HolderId)
        {
            return;
        }

        _cluster.Metrics.ClusterMessageReceived();
        switch (envelope.Kind)
        {
            case ClusterMessageKind.Released:
                Wake();
                return;
            case ClusterMessageKind.Interest:
                if (IsHolding)
                {
                    await RefreshInterestAsync().ConfigureAwait(false);
                }

                return;
        }

        var newerStatus = false;
        lock (_lock)
        {
            if (envelope.Epoch < _newestEpoch)
            {
                // From a relay that has lost its claim: the new holder's stream is the one to follow.
                return;
            }

            _newestEpoch = envelope.Epoch;
            if (fromChannel && _lease is null)
            {
                // The holder numbers its messages from 1 in each epoch: a number skipped is a message lost on the
                // way (a pub/sub connection dropped and resubscribed, an output buffer cut), whatever the cause.
                if (_heard is { } heard && (envelope.Epoch == heard.Epoch ? envelope.Sequence > heard.Sequence + 1 : envelope.Sequence != 1))
                {
                    _gapReason ??= "sequence_gap";
                }

                if (_heard is not { } last || (envelope.Epoch, envelope.Sequence).CompareTo(last) > 0)
                {
                    _heard = (envelope.Epoch, envelope.Sequence);
                }
            }

            if (envelope.Kind == ClusterMessageKind.Status && (envelope.Epoch, envelope.Sequence).CompareTo(_newestStatus) > 0)
            {
                // The newest status only: the one read when subscribing may also arrive on the channel.
                _newestStatus = (envelope.Epoch, envelope.Sequence);
                newerStatus = true;
            }
        }

        // One at a time with the resyncs sent from elsewhere (a probe answered), so a resync never comes after a
        // message that followed the gap it stands for.
        await _delivering.WaitAsync().ConfigureAwait(false);
        try
        {
            if (fromChannel)
            {
                // Heard on the channel: whatever gap is pending lies before this message.
                await TellGapWhileDeliveringAsync(heard: true).ConfigureAwait(false);
            }

            if (envelope.Kind == ClusterMessageKind.Invalidate && (envelope.Invalidate as TMessage ?? envelope.Transcript as TMessage) is { } message)
            {
                await _observer.OnRemoteMessageAsync(message).ConfigureAwait(false);
            }
            else if (newerStatus && envelope.Status is { } status)
            {
                await _observer.OnRemoteStatusAsync(status).ConfigureAwait(false);
            }
        }
        finally
        {
            _delivering.Release();
        }
    }
}
