using StackExchange.Redis;

namespace Reflector.Relay.Cluster;

/// <summary>
/// A claim's ear on its stream's channel: the holder's messages, releases, and other relays coming and going.
/// Hearing the channel is a state this proves rather than assumes: a SUBSCRIBE can fail or half-fail, and the client
/// resubscribes a dropped pub/sub connection by itself, silently losing what was published meanwhile. So the channel
/// is <see cref="IsLive"/> only once a probe it published came back on its own queue; until then it is tried again at
/// every heartbeat (one attempt at a time), and the follower tells its tabs of the gap once it hears again.
/// </summary>
/// <param name="onEnvelope">Everything heard but probes: the envelope, and whether it came on the channel (or was read when subscribing).</param>
internal sealed class StreamChannel<TMessage>(
    ClusterContext cluster,
    ClusterStream stream,
    string holderId,
    ClusterEnvelopeFormat<TMessage> format,
    StreamFollower<TMessage> follower,
    Func<ClusterEnvelope<TMessage>, bool, Task> onEnvelope) : IAsyncDisposable
    where TMessage : class
{
    private readonly Lock _lock = new();
    // The queue subscribed and owned here (unsubscribed on failure and on dispose); null before, or after a failure.
    private ChannelMessageQueue? _queue;
    private bool _live;
    private bool _closed;
    private Task<bool> _subscribing = Task.FromResult(false);
    private long _probeNumber;
    private TaskCompletionSource? _probe;
    // Completes after the first attempt to subscribe, heard or not: a relay that cannot hear Redis serves its tabs alone.
    private readonly TaskCompletionSource _ready = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>Completes after the first attempt to subscribe, whether it was heard or not.</summary>
    public Task Ready => _ready.Task;

    /// <summary>A probe came back on the queue, and nothing since suggests the queue went deaf.</summary>
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
    /// Subscribes (or checks the subscription there is) until it is proven live. One attempt at a time: a caller
    /// arriving while one is under way waits for that one.
    /// </summary>
    /// <returns><see langword="true"/> once the channel is heard.</returns>
    public Task<bool> EnsureSubscribedAsync()
    {
        lock (_lock)
        {
            if (_closed)
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
    /// was published meanwhile is lost. Proven live again, the follower tells its tabs.
    /// </summary>
    public void OnSubscriptionLost()
    {
        lock (_lock)
        {
            _live = false;
        }

        follower.MissedMessages("subscription_lost");
    }

    /// <summary>Stops listening: nothing is subscribed any more, and what is heard until <see cref="DisposeAsync"/> is moot.</summary>
    public void Close()
    {
        lock (_lock)
        {
            _closed = true;
            _live = false;
        }
    }

    public async ValueTask DisposeAsync()
    {
        ChannelMessageQueue? queue;
        Task subscribing;
        lock (_lock)
        {
            _closed = true;
            _live = false;
            queue = _queue;
            _queue = null;
            subscribing = _subscribing;
        }

        if (queue is not null)
        {
            // Also while Redis is away: the client would otherwise subscribe this queue again when it returns.
            await queue.UnsubscribeAsync().ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        }

        await subscribing.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        _probe?.TrySetCanceled();
    }

    private async Task<bool> SubscribeOnceAsync()
    {
        // Off the caller's lock: the client may complete the subscribe inline.
        await Task.Yield();
        var channel = cluster.Keys.Channel(stream.Name);
        ChannelMessageQueue? queue;
        lock (_lock)
        {
            queue = _queue;
        }

        // A queue subscribed in this attempt, not one kept from an earlier attempt that is only checked again.
        var firstAttemptOfQueue = queue is null;
        try
        {
            if (queue is null)
            {
                if (!cluster.Connection.IsConnected)
                {
                    throw new RedisConnectionException(ConnectionFailureType.UnableToConnect, "Redis is unreachable");
                }

                queue = await SubscribeQueueAsync(channel).ConfigureAwait(false);
                if (queue is null)
                {
                    return false;
                }

                // Subscribed first, then read: a status published in between arrives on the channel, and the older
                // of the two is dropped by its sequence. Whatever the holder numbers after the position read is
                // heard here, so counting from it catches a loss even before the first message heard. The queue
                // holds what arrives until the handler is attached.
                var (last, published) = await cluster.Commands.JoinPointAsync(stream).ConfigureAwait(false);
                if (published is { } position)
                {
                    follower.CountFrom(position);
                }

                if (!last.IsNull && Parse(last) is { Kind: ClusterMessageKind.Status } status)
                {
                    await onEnvelope(status, false).ConfigureAwait(false);
                }

                queue.OnMessage(message => OnMessageAsync(message.Message));
            }

            if (!cluster.Connection.Subscriber.IsConnected(channel))
            {
                // The client subscribes the queue again once its pub/sub connection is back; checked at a later beat.
                // Until then what the holder publishes is lost here, and a connection that joins meanwhile (ready
                // follows this first attempt) would miss it unknowingly: its resync waits for the first word heard.
                // Said once per queue: a dropped pub/sub connection is logged once for all channels already, and
                // every stream checked again at each heartbeat would repeat it.
                if (firstAttemptOfQueue)
                {
                    StreamChannelLog.SubscribePending(cluster.Logger, stream.UserId, stream.TranscriptId);
                }

                follower.MissedMessages("subscribe_pending");
                return false;
            }

            if (!await ProbeAsync(channel).ConfigureAwait(false))
            {
                throw new TimeoutException("the probe published on the channel did not come back");
            }

            lock (_lock)
            {
                _live = !_closed;
            }

            if (IsLive)
            {
                await follower.TellGapAsync().ConfigureAwait(false);
            }

            return true;
        }
        catch (Exception exception) when (exception is RedisException or TimeoutException)
        {
            // Tried again at the next heartbeat; meanwhile this relay's tabs may miss the holder's messages.
            StreamChannelLog.SubscribeFailed(cluster.Logger, stream.UserId, stream.TranscriptId, exception.Message);
            lock (_lock)
            {
                _live = false;
                if (ReferenceEquals(_queue, queue))
                {
                    _queue = null;
                }
            }

            follower.MissedMessages("subscribe_failed");
            if (queue is not null)
            {
                await queue.UnsubscribeAsync().ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
            }
            else if (cluster.Registry.IsOnlyClaimOn(stream))
            {
                // A SUBSCRIBE that failed may still have left a queue registered in the client, which it would
                // subscribe again and fill forever: with no other claim of this stream here, the channel is cleared.
                await cluster.Connection.Subscriber.UnsubscribeAsync(channel).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
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
        var queue = await cluster.Connection.Subscriber.SubscribeAsync(channel).ConfigureAwait(false);
        lock (_lock)
        {
            if (!_closed)
            {
                _queue = queue;
                return queue;
            }
        }

        await queue.UnsubscribeAsync().ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        return null;
    }

    /// <summary>Publishes a probe and waits for it on this queue: the one proof that the queue hears.</summary>
    private async Task<bool> ProbeAsync(RedisChannel channel)
    {
        var probe = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        long number;
        lock (_lock)
        {
            number = ++_probeNumber;
            _probe = probe;
        }

        await cluster.Connection.Subscriber.PublishAsync(
            channel, new ClusterSignal(holderId, 0, number, ClusterMessageKind.Probe).ToJson()).ConfigureAwait(false);
        await probe.Task.WaitAsync(cluster.ProbeTimeout, cluster.TimeProvider).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        return probe.Task.IsCompletedSuccessfully;
    }

    private Task OnMessageAsync(RedisValue message)
    {
        if (Parse((string?)message) is not { } envelope)
        {
            return Task.CompletedTask;
        }

        if (envelope.Kind != ClusterMessageKind.Probe)
        {
            return onEnvelope(envelope, true);
        }

        TaskCompletionSource? probe = null;
        lock (_lock)
        {
            if (envelope.Holder == holderId && envelope.Sequence == _probeNumber)
            {
                probe = _probe;
            }
        }

        probe?.TrySetResult();
        return Task.CompletedTask;
    }

    /// <summary>What is not an envelope (a foreign publisher, a newer relay's kind) is dropped and said; the channel goes on.</summary>
    private ClusterEnvelope<TMessage>? Parse(string? json)
    {
        if (format.TryParse(json, out var envelope, out var error))
        {
            return envelope;
        }

        StreamChannelLog.EnvelopeDropped(cluster.Logger, stream.UserId, stream.TranscriptId, error);
        return null;
    }
}
