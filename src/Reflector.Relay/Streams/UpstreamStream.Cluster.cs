using Reflector.Relay.Cluster;
using Reflector.Relay.Events;

namespace Reflector.Relay.Streams;

/// <summary>The upstream's part in a cluster: holding the stream's socket, or following the relay that holds it.</summary>
internal sealed partial class UpstreamStream<TMessage>
{
    /// <summary>Another relay's socket serves this stream's connections here.</summary>
    private bool IsFollowing => _followedRemote && !IsHolding;

    /// <summary>
    /// The lease to hold the socket under: the current one, or a new one once no other relay holds it. A socket
    /// opened after another relay's (a failover, a takeover) continues that stream, so its clients hear
    /// <c>reconnecting</c> now and <c>resync</c> once it is connected.
    /// </summary>
    private async Task<UpstreamLease> HoldAsync(CancellationToken cancellationToken)
    {
        UpstreamLease? current;
        lock (_lock)
        {
            current = _lease;
        }

        if (current is { Lost.IsCancellationRequested: false })
        {
            return current;
        }

        if (current is not null)
        {
            await OnLeaseLostAsync().ConfigureAwait(false);
        }

        var lease = await _claim.AcquireAsync(cancellationToken).ConfigureAwait(false);
        lock (_lock)
        {
            _lease = lease;
        }

        _handover.Clear();

        _onHoldChanged(this);
        if (lease.ContinuesStream || _followedRemote)
        {
            UpstreamStreamLog.TookOver(_logger, _feed.Name);
            _hasConnected = true;
            await SetStatusAsync(UpstreamStatus.Reconnecting()).ConfigureAwait(false);
        }

        return lease;
    }

    /// <summary>Another relay took the socket over: this relay's connections follow that one's stream from now on.</summary>
    private async Task OnLeaseLostAsync()
    {
        lock (_lock)
        {
            _lease = null;
        }

        _followedRemote = true;
        UpstreamStreamLog.LeaseLost(_logger, _feed.Name);
        _onHoldChanged(this);
        // Whatever happened between this socket's last event and the other's first may be missed here.
        await RelayGapLocallyAsync().ConfigureAwait(false);
    }

    /// <summary>Lets another relay, one with a usable token, open the socket.</summary>
    private async Task ReleaseAsync()
    {
        await _claim.ReleaseAsync().ConfigureAwait(false);
        await OnLeaseLostAsync().ConfigureAwait(false);
    }

    /// <summary>The lease was lost while the socket was open: close it, cleanly, without waiting here.</summary>
    private void CloseForLostLease()
    {
        System.Net.WebSockets.WebSocket? socket;
        lock (_lock)
        {
            socket = _socket;
            if (socket is not null)
            {
                _leaseLossClose = SendCloseAsync(socket, System.Net.WebSockets.WebSocketCloseStatus.NormalClosure);
            }
        }
    }

    public async Task OnRemoteMessageAsync(TMessage message)
    {
        if (IsHolding || _stopping.IsCancellationRequested)
        {
            // This relay's own socket serves its connections; the other's messages would repeat them.
            return;
        }

        FollowRemote();
        if (_handover.IsRepeat(message))
        {
            // This relay's own socket told it just before the other relay took over.
            return;
        }

        await RelayLocallyAsync(message).ConfigureAwait(false);
    }

    public async Task OnRemoteStatusAsync(UpstreamStatus status)
    {
        if (IsHolding || _stopping.IsCancellationRequested)
        {
            return;
        }

        FollowRemote();
        await SetStatusAsync(status, fromOtherRelay: true).ConfigureAwait(false);
    }

    /// <summary>The first word from the holder: what it said before is not known here, unless this relay held it.</summary>
    private void FollowRemote()
    {
        if (!_followedRemote)
        {
            _followedRemote = true;
            if (!_hasConnected)
            {
                _feed.OnFollowingMidStream();
            }
        }
    }

    public async Task OnRemoteGapAsync()
    {
        if (!IsHolding)
        {
            // No replay follows a gap on the channel: the stream goes on where it is.
            await RelayGapLocallyAsync().ConfigureAwait(false);
        }
    }

    public void OnInterestChanged() => _onHoldChanged(this);

    public async Task OnClaimConfirmedAsync()
    {
        if (IsHolding && !_claim.HoldsFallback)
        {
            // Still held, under a claim now: no other relay takes over from what this socket told meanwhile.
            _handover.Clear();
        }

        if (IsHolding && _claim.MayDeliver)
        {
            // Said again: a Redis restarted empty lost the status key, and a relay following from now on would wait
            // for it (a transcript's tabs get in only once they know the socket's outcome). Dropped as a repeat by
            // the relays that heard it.
            UpstreamStatus status;
            lock (_lock)
            {
                status = _status;
            }

            _claim.Publish(status);
        }

        if (Interlocked.Exchange(ref _missedWhileUnconfirmed, 0) == 1)
        {
            await RelayAsync(_feed.Resync(ResyncReason.UpstreamReconnected)).ConfigureAwait(false);
        }
    }

    /// <summary>A resync to this relay's connections of the stream only, followed by no replay.</summary>
    private async Task RelayGapLocallyAsync()
    {
        try
        {
            await _feed.DeliverMidStreamGapAsync(_feed.Resync(ResyncReason.UpstreamReconnected), CancellationToken.None).ConfigureAwait(false);
        }
        catch (Exception exception) when (exception is not OperationCanceledException)
        {
            UpstreamStreamLog.RelayFailed(_logger, _feed.Name, exception);
        }
    }

    /// <summary>To this relay's connections of the stream only.</summary>
    private async Task RelayLocallyAsync(TMessage message)
    {
        try
        {
            await _feed.DeliverAsync(message, frameBytes: 0, CancellationToken.None).ConfigureAwait(false);
        }
        catch (Exception exception) when (exception is not OperationCanceledException)
        {
            UpstreamStreamLog.RelayFailed(_logger, _feed.Name, exception);
        }
    }
}
