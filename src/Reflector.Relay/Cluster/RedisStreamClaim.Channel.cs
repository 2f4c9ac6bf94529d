using StackExchange.Redis;

namespace Reflector.Relay.Cluster;

/// <summary>The claim's ear on the user's channel: the holder's messages, releases, and other relays coming and going.</summary>
internal sealed partial class RedisStreamClaim<TMessage>
{
    private async Task SubscribeAsync()
    {
        try
        {
            var queue = await _cluster.Subscriber.SubscribeAsync(_cluster.Keys.Channel(StreamKey)).ConfigureAwait(false);
            lock (_lock)
            {
                if (_disposed)
                {
                    _ = queue.UnsubscribeAsync();
                    return;
                }

                _queue = queue;
            }

            // Subscribed first, then read: a status published in between arrives on the channel, and the older of
            // the two is dropped by its sequence.
            if (ClusterEnvelope.Parse(await _cluster.LastStatusAsync(StreamKey).ConfigureAwait(false)) is { Kind: ClusterMessageKind.Status } last)
            {
                await OnEnvelopeAsync(last).ConfigureAwait(false);
            }

            queue.OnMessage(message => OnEnvelopeAsync(ClusterEnvelope.Parse(message.Message)));
        }
        catch (Exception exception) when (exception is RedisException or TimeoutException)
        {
            // Subscribed again when Redis returns (SettleAsync); meanwhile this relay holds a socket of its own.
            RedisClaimLog.SubscribeFailed(_cluster.Logger, StreamKey, exception.Message);
        }
        finally
        {
            _ready.TrySetResult();
        }
    }

    private async Task OnEnvelopeAsync(ClusterEnvelope? envelope)
    {
        if (envelope is null || envelope.Holder == HolderId)
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

        lock (_lock)
        {
            if (envelope.Epoch < _newestEpoch)
            {
                // From a relay that has lost its claim: the new holder's stream is the one to follow.
                return;
            }

            _newestEpoch = envelope.Epoch;
            if (envelope.Kind == ClusterMessageKind.Status)
            {
                if ((envelope.Epoch, envelope.Sequence).CompareTo(_newestStatus) <= 0)
                {
                    return;
                }

                _newestStatus = (envelope.Epoch, envelope.Sequence);
            }
        }

        if (envelope.Kind == ClusterMessageKind.Invalidate && (envelope.Invalidate as TMessage ?? envelope.Transcript as TMessage) is { } message)
        {
            await _observer.OnRemoteMessageAsync(message).ConfigureAwait(false);
        }
        else if (envelope is { Kind: ClusterMessageKind.Status, Status: { } status })
        {
            await _observer.OnRemoteStatusAsync(status).ConfigureAwait(false);
        }
    }
}
