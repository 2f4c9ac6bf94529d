using Reflector.Relay.Events;

namespace Reflector.Relay.Streams;

/// <summary>The stream's state as its connections hear it: joining, reconnects scheduled, refusals, and which token to use.</summary>
internal sealed partial class UpstreamStream<TMessage>
{
    /// <summary>Tells a connection that has just been added what the stream has said so far; from then on it hears everything.</summary>
    public async Task JoinAsync(string connectionId, CancellationToken cancellationToken)
    {
        // In a cluster: listening to the holder first, so this connection's first status is the stream's own and
        // nothing sent after it is missed.
        await _claim.Ready.WaitAsync(cancellationToken).ConfigureAwait(false);
        await _feed.ReadyToJoinAsync(cancellationToken).ConfigureAwait(false);
        await _statusGate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            await _feed.JoinAsync(connectionId, _status, cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            _statusGate.Release();
        }
    }

    /// <summary>Called by the reconnect pipeline before it waits <paramref name="delay"/>.</summary>
    public async ValueTask OnReconnectScheduledAsync(TimeSpan delay, int attempt, Exception? cause)
    {
        _metrics.ReconnectScheduled();
        UpstreamStreamLog.ReconnectScheduled(_logger, _feed.Name, attempt, delay, cause?.Message);
        await SetStatusAsync(UpstreamStatus.Reconnecting(delay)).ConfigureAwait(false);
    }

    private async Task OnRefusedAsync(UpstreamToken token, int code)
    {
        _tokens.MarkRefused(token);

        _metrics.HandshakeRefused();
        if (_feed.EndsOnRefusal)
        {
            // Missing or not allowed: asking again would change nothing. The set closes the stream.
            UpstreamStreamLog.RefusedForGood(_logger, _feed.Name, code);
            _feed.OnRefused(code);
            lock (_lock)
            {
                // No further attempt, not even with another connection's token, before the set has closed the stream.
                _stopping.Cancel();
            }

            _onEnded(this);
            return;
        }

        UpstreamStreamLog.Refused(_logger, _feed.Name, code);
        await SetStatusAsync(UpstreamStatus.Unauthorized).ConfigureAwait(false);
    }

    /// <summary>
    /// The newest unexpired token among the stream's connections that the upstream has not refused.
    /// Without one the stream is unauthorized until a connection brings a fresh token: no point asking again.
    /// </summary>
    private async Task<UpstreamToken> WaitForUsableTokenAsync(CancellationToken cancellationToken)
    {
        while (true)
        {
            if (_tokens.Best(_timeProvider.GetUtcNow(), out var tokensChanged, out var hasConnections) is { } best)
            {
                return best;
            }

            // Another relay has the stream's connections, and so tokens: it takes the socket over.
            if (KeepsSocketForOtherRelays)
            {
                await ReleaseAsync().ConfigureAwait(false);
            }

            // With no connections (a linger) there is nobody to tell and no token to ask for; a relay following
            // another's socket reports that socket's state, not its own tokens'.
            if (hasConnections && _status.State != UpstreamState.Unauthorized && !IsFollowing)
            {
                UpstreamStreamLog.NoUsableToken(_logger, _feed.Name);
                await SetStatusAsync(UpstreamStatus.Unauthorized).ConfigureAwait(false);
            }

            await tokensChanged.WaitAsync(cancellationToken).ConfigureAwait(false);
        }
    }

    /// <param name="fromOtherRelay">The holder's status, heard on its channel: told to this relay's connections only.</param>
    private async Task SetStatusAsync(UpstreamStatus status, bool fromOtherRelay = false)
    {
        if (_stopping.IsCancellationRequested)
        {
            return;
        }

        await _statusGate.WaitAsync(CancellationToken.None).ConfigureAwait(false);
        try
        {
            // Each scheduled retry is news (a client may count it down); other repeats are not.
            if (_status == status && status.RetryInMs is null)
            {
                return;
            }

            lock (_lock)
            {
                _tally?.StateLeft(_status.State);
                _status = status;
                _tally?.StateEntered(status.State);
            }

            if (!fromOtherRelay && IsHolding && _claim.MayDeliver)
            {
                _claim.Publish(status);
            }

            await _feed.StatusAsync(status, _abort.Token).ConfigureAwait(false);
        }
        catch (Exception exception) when (exception is not OperationCanceledException)
        {
            UpstreamStreamLog.RelayFailed(_logger, _feed.Name, exception);
        }
        finally
        {
            _statusGate.Release();
        }
    }
}
