using System.Net.WebSockets;
using Polly;
using Reflector.Relay.Diagnostics;
using Reflector.Relay.Cluster;
using Reflector.Relay.Events;

namespace Reflector.Relay.Streams;

/// <summary>
/// One upstream socket, of either kind of stream (a user's events, or one transcript's for one user): opens it with
/// the best token among the stream's live connections, relays each frame to them through its
/// <see cref="IStreamFeed{TMessage}"/>, and reconnects through the shared reconnect pipeline when it drops.
/// Its lifetime (refcount and linger) belongs to <see cref="UpstreamStreamSet{TMessage}"/>.
/// </summary>
internal sealed partial class UpstreamStream<TMessage> : IAsyncDisposable, IClaimObserver<TMessage>, IReconnectObserver
    where TMessage : class
{
    private const int UnauthorizedCloseCode = 4401;

    private readonly UpstreamConnector _connector;
    private readonly IStreamFeed<TMessage> _feed;
    private readonly ResiliencePipeline _reconnectPipeline;
    private readonly UpstreamOptions _options;
    private readonly RelayMetrics _metrics;
    private readonly TimeProvider _timeProvider;
    private readonly ILogger _logger;

    private readonly Lock _lock = new();
    private readonly UserTokens _tokens = new();
    private readonly IUpstreamClaim<TMessage> _claim;
    private readonly Action<UpstreamStream<TMessage>> _onHoldChanged;
    private readonly Action<UpstreamStream<TMessage>> _onEnded;
    private UpstreamLease? _lease;
    private Task _leaseLossClose = Task.CompletedTask;
    private WebSocket? _socket;
    private WebSocketCloseStatus _closeStatus = WebSocketCloseStatus.NormalClosure;
    // The counts this stream is part of while it is in its set; guarded by _lock, as are the socket and the status
    // it counts, so a change and the stream's leaving the set never both count the same thing.
    private UpstreamTally? _tally;

    // Ends reconnecting and waiting; a pending receive is left alone so the socket can close cleanly.
    private readonly CancellationTokenSource _stopping = new();
    // Ends a pending receive, which aborts the socket: the last resort when the clean close times out.
    private readonly CancellationTokenSource _abort = new();

    // Serializes status changes with the status sent to a newly joined connection, so no one sees them out of order.
    private readonly SemaphoreSlim _statusGate = new(1, 1);
    private UpstreamStatus _status = UpstreamStatus.Connecting;

    private bool _hasConnected;
    // Another relay's socket has served this user's connections here: a socket opened here continues that stream.
    private volatile bool _followedRemote;
    private int _missedWhileUnconfirmed;
    private readonly HandoverOverlap<TMessage> _handover = new();
    private Task _run = Task.CompletedTask;

    public UpstreamStream(
        IStreamFeed<TMessage> feed,
        UpstreamConnector connector,
        ResiliencePipeline reconnectPipeline,
        UpstreamOptions options,
        RelayMetrics metrics,
        TimeProvider timeProvider,
        ILogger logger,
        IUpstreamOwnership<TMessage> ownership,
        Action<UpstreamStream<TMessage>> onHoldChanged,
        Action<UpstreamStream<TMessage>> onEnded)
    {
        _feed = feed;
        _connector = connector;
        _reconnectPipeline = reconnectPipeline;
        _options = options;
        _metrics = metrics;
        _timeProvider = timeProvider;
        _logger = logger;
        _onHoldChanged = onHoldChanged;
        _onEnded = onEnded;
        _claim = ownership.Join(feed.Key, this);
    }

    /// <summary>The stream's key: the user, or the user and the transcript.</summary>
    public string Key => _feed.Key;

    /// <summary>Names the stream in logs.</summary>
    public string Name => _feed.Name;

    /// <summary>The pending linger, if the user has no connections. Guarded by the manager's lock.</summary>
    internal IDisposable? PendingLinger { get; set; }

    public UpstreamStatus Status => _status;

    /// <summary>Counts this stream in <paramref name="tally"/>: its state and its socket, from now on as they change.</summary>
    public void StartCounting(UpstreamTally tally)
    {
        lock (_lock)
        {
            _tally = tally;
            tally.StateEntered(_status.State);
            if (_socket is not null)
            {
                tally.SocketOpened();
            }
        }
    }

    /// <summary>Takes this stream's state and socket out of its set's counts: it has left the set.</summary>
    public void StopCounting()
    {
        lock (_lock)
        {
            if (_tally is not { } tally)
            {
                return;
            }

            _tally = null;
            tally.StateLeft(_status.State);
            if (_socket is not null)
            {
                tally.SocketClosed();
            }
        }
    }

    public int ConnectionCount => _tokens.ConnectionCount;

    /// <summary>Whether this relay holds the user's socket (always, for a relay alone, once it has started).</summary>
    public bool IsHolding
    {
        get
        {
            lock (_lock)
            {
                return _lease is { Lost.IsCancellationRequested: false };
            }
        }
    }

    /// <summary>Holding the socket for the stream's connections on other relays: with none here, it still stays open.</summary>
    public bool KeepsSocketForOtherRelays => IsHolding && _claim.OthersInterested;

    public void Start() => _run = Task.Run(RunAsync);

    public void AddConnection(string connectionId, UpstreamToken token) => _tokens.Add(connectionId, token);

    public UpstreamToken? TokenOf(string connectionId) => _tokens.Of(connectionId);

    /// <returns><see langword="true"/> when the connection was one of this stream's.</returns>
    public bool RemoveConnection(string connectionId)
    {
        _feed.Leave(connectionId);
        return _tokens.Remove(connectionId);
    }

    /// <summary>Refused tokens remembered, so none is offered again while a connection still holds it.</summary>
    internal int RefusedTokenCount => _tokens.RefusedCount;

    private async Task RunAsync()
    {
        while (!_stopping.IsCancellationRequested)
        {
            var context = ResilienceContextPool.Shared.Get(_stopping.Token);
            context.Properties.Set(ReconnectPipeline.ObserverKey, this);
            try
            {
                await _reconnectPipeline.ExecuteAsync(
                    static (context, self) => self.ConnectAndRelayAsync(context.CancellationToken),
                    context,
                    this).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (_stopping.IsCancellationRequested)
            {
                break;
            }
            catch (Exception exception)
            {
                // The pipeline retries every failure but cancellation, so this is a bug; keep the user served.
                UpstreamStreamLog.UnexpectedFailure(_logger, _feed.Name, exception);
                await Task.Delay(_options.ReconnectDelay, _timeProvider, _stopping.Token)
                    .ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
            }
            finally
            {
                ResilienceContextPool.Shared.Return(context);
            }
        }
    }

    /// <summary>
    /// One connection's life. Returns normally when the pipeline should start over with a fresh backoff
    /// (the connection had held, or the token was refused); throws when the next attempt should back off.
    /// </summary>
    private async ValueTask ConnectAndRelayAsync(CancellationToken cancellationToken)
    {
        var token = await WaitForUsableTokenAsync(cancellationToken).ConfigureAwait(false);
        var lease = await HoldAsync(cancellationToken).ConfigureAwait(false);
        // Waiting for another relay to let go can take a while: the best token may be another one by now.
        token = _tokens.Best(_timeProvider.GetUtcNow(), out _, out _) ?? token;
        if (!_hasConnected && _status.State != UpstreamState.Unauthorized)
        {
            await SetStatusAsync(UpstreamStatus.Connecting).ConfigureAwait(false);
        }

        WebSocket socket;
        try
        {
            using var held = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, lease.Lost);
            socket = await _connector.ConnectAsync(_feed.Address, token, _feed.Kind, held.Token).ConfigureAwait(false);
        }
        catch (UpstreamRefusedException refused)
        {
            await OnRefusedAsync(token, refused.Code).ConfigureAwait(false);
            return;
        }
        catch (OperationCanceledException) when (lease.Lost.IsCancellationRequested && !cancellationToken.IsCancellationRequested)
        {
            // Another relay holds the socket now; the next pass follows it.
            return;
        }

        _metrics.HandshakeCompleted();
        bool stoppedWhileConnecting;
        lock (_lock)
        {
            stoppedWhileConnecting = _stopping.IsCancellationRequested;
            _socket = socket;
            _tally?.SocketOpened();
        }

        if (stoppedWhileConnecting)
        {
            await SendCloseAsync(socket, _closeStatus).ConfigureAwait(false);
        }

        var connectedAt = _timeProvider.GetTimestamp();
        Exception? failure = null;
        WebSocketCloseStatus? closeStatus = null;
        using var onLeaseLost = lease.Lost.Register(static state => ((UpstreamStream<TMessage>)state!).CloseForLostLease(), this);
        try
        {
            UpstreamStreamLog.Connected(_logger, _feed.Name);
            await SetStatusAsync(UpstreamStatus.Connected).ConfigureAwait(false);
            if (_hasConnected)
            {
                await RelayAsync(_feed.Resync(ResyncReason.UpstreamReconnected)).ConfigureAwait(false);
            }

            _hasConnected = true;
            closeStatus = await ReceiveUntilClosedAsync(socket).ConfigureAwait(false);
        }
        catch (Exception exception) when (exception is not OperationCanceledException || !_stopping.IsCancellationRequested)
        {
            failure = exception;
        }
        finally
        {
            lock (_lock)
            {
                _socket = null;
                _tally?.SocketClosed();
            }

            socket.Dispose();
        }

        if (_stopping.IsCancellationRequested || lease.Lost.IsCancellationRequested)
        {
            UpstreamStreamLog.Closed(_logger, _feed.Name, (int?)closeStatus);
            return;
        }

        if ((int?)closeStatus == UnauthorizedCloseCode)
        {
            await OnRefusedAsync(token, UnauthorizedCloseCode).ConfigureAwait(false);
            return;
        }

        var heldFor = _timeProvider.GetElapsedTime(connectedAt);
        UpstreamStreamLog.Dropped(_logger, _feed.Name, (int?)closeStatus, heldFor, failure?.Message);
        if (heldFor >= _options.StableAfter)
        {
            // The connection had held: start over with a fresh backoff, first attempt at once.
            await SetStatusAsync(UpstreamStatus.Reconnecting()).ConfigureAwait(false);
            return;
        }

        throw new UpstreamConnectionException(
            closeStatus is null ? "The upstream socket was lost." : $"The upstream closed the socket ({(int)closeStatus}).",
            failure);
    }

    /// <param name="receivedAt">The upstream frame's arrival (a <see cref="TimeProvider"/> timestamp), when it came from one.</param>
    private async Task RelayAsync(TMessage message, long? receivedAt = null, int frameBytes = 0)
    {
        if (_stopping.IsCancellationRequested || !IsHolding)
        {
            // Closing, or another relay took the socket over: a replacement may already serve this stream's tabs.
            return;
        }

        if (!_claim.MayDeliver)
        {
            // Maybe another relay's socket serves the user by now; if not, a resync follows the confirmation.
            Interlocked.Exchange(ref _missedWhileUnconfirmed, 1);
            return;
        }

        if (Interlocked.Exchange(ref _missedWhileUnconfirmed, 0) == 1)
        {
            // Delivering again after messages were held back (the presence lapsed and came back, Redis froze): the
            // tabs here and on the other relays hear resync before anything that follows the ones they missed.
            _metrics.ClusterResync("presence_lapsed");
            await RelayAsync(_feed.Resync(ResyncReason.UpstreamReconnected)).ConfigureAwait(false);
        }

        try
        {
            _claim.Publish(message);
            await _feed.DeliverAsync(message, frameBytes, _abort.Token).ConfigureAwait(false);
            _metrics.EventRelayed();
            if (receivedAt is { } start)
            {
                if (_claim.HoldsFallback)
                {
                    // Another relay may take over once Redis is back, and repeat this message.
                    _handover.Told(message);
                }

                _metrics.EventDelivered(_timeProvider.GetElapsedTime(start));
            }
        }
        catch (Exception exception) when (exception is not OperationCanceledException)
        {
            UpstreamStreamLog.RelayFailed(_logger, _feed.Name, exception);
        }
    }
}
