using System.Net.WebSockets;
using Polly;
using Reflector.Relay.Cluster;
using Reflector.Relay.Diagnostics;
using Reflector.Relay.Limits;

namespace Reflector.Relay.Streams;

/// <summary>
/// The upstream streams of one kind, one per key. A stream's first connection opens it, its last one starts the
/// linger, and a connection arriving during the linger takes the same socket. All refcount and lifetime changes
/// happen under one lock, so concurrent joins and leaves of one key can never leave two sockets, an unused socket
/// past its linger, or a joined connection without a socket. The set's counts (<see cref="Tally"/>) move with those
/// changes, so reading them never takes this lock.
/// </summary>
internal sealed class UpstreamStreamSet<TMessage>
    where TMessage : class
{
    private readonly UpstreamOptions _options;
    private readonly int _maxConnectionsPerStream;
    private readonly UpstreamConnector _connector;
    private readonly ResiliencePipeline _reconnectPipeline;
    private readonly IUpstreamOwnership<TMessage> _ownership;
    private readonly RelayMetrics _metrics;
    private readonly TimeProvider _timeProvider;
    private readonly ILogger _streamLogger;
    private readonly ILogger _logger;

    private readonly Lock _lock = new();
    private readonly Dictionary<string, UpstreamStream<TMessage>> _streams = new(StringComparer.Ordinal);
    private readonly HashSet<Task> _closing = [];
    private readonly UpstreamTally _tally = new();
    private bool _stopped;

    public UpstreamStreamSet(
        UpstreamOptions options,
        int maxConnectionsPerStream,
        UpstreamConnector connector,
        ResiliencePipeline reconnectPipeline,
        IUpstreamOwnership<TMessage> ownership,
        RelayMetrics metrics,
        TimeProvider timeProvider,
        ILoggerFactory loggerFactory)
    {
        _options = options;
        _maxConnectionsPerStream = maxConnectionsPerStream;
        _connector = connector;
        _reconnectPipeline = reconnectPipeline;
        _ownership = ownership;
        _metrics = metrics;
        _timeProvider = timeProvider;
        _streamLogger = loggerFactory.CreateLogger<UpstreamStream<TMessage>>();
        _logger = loggerFactory.CreateLogger<UpstreamStreamSet<TMessage>>();
    }

    /// <summary>The set's counts, for metrics and health: read without the set's lock.</summary>
    public UpstreamTally Tally => _tally;

    /// <summary>Streams that exist (connected, connecting, or lingering).</summary>
    public int Count => _tally.Streams;

    /// <summary>Streams whose socket is open right now.</summary>
    public int OpenSocketCount => _tally.OpenSockets;

    /// <summary>The stream <paramref name="key"/>, if it exists.</summary>
    public UpstreamStream<TMessage>? Find(string key)
    {
        lock (_lock)
        {
            return _streams.GetValueOrDefault(key);
        }
    }

    /// <summary>
    /// Counts <paramref name="connectionId"/> against the stream <paramref name="key"/>, opening it when it is the first,
    /// and tells the connection what the stream has said so far.
    /// </summary>
    /// <exception cref="ConnectionLimitExceededException">The stream already has the most connections allowed.</exception>
    public async Task AttachAsync(
        string key, Func<IStreamFeed<TMessage>> createFeed, string connectionId, UpstreamToken token, CancellationToken cancellationToken)
    {
        UpstreamStream<TMessage> stream;
        lock (_lock)
        {
            if (_stopped)
            {
                throw new RelayShuttingDownException();
            }

            if (_streams.TryGetValue(key, out var existing))
            {
                if (existing.ConnectionCount >= _maxConnectionsPerStream)
                {
                    throw new ConnectionLimitExceededException(_maxConnectionsPerStream);
                }

                stream = existing;
                if (stream.PendingLinger is not null)
                {
                    CancelLingerLocked(stream);
                    UpstreamStreamSetLog.LingerCancelled(_logger, stream.Name);
                }

                AddConnectionLocked(stream, connectionId, token);
            }
            else
            {
                stream = new UpstreamStream<TMessage>(
                    createFeed(), _connector, _reconnectPipeline, _options, _metrics, _timeProvider, _streamLogger,
                    _ownership, OnHoldChanged, OnEnded);
                _streams.Add(key, stream);
                _tally.StreamAdded();
                stream.StartCounting(_tally);
                AddConnectionLocked(stream, connectionId, token);
                stream.Start();
            }
        }

        try
        {
            await stream.JoinAsync(connectionId, cancellationToken).ConfigureAwait(false);
        }
        catch
        {
            Detach(key, connectionId);
            throw;
        }
    }

    /// <summary>Releases <paramref name="connectionId"/>; the stream's last connection starts the linger.</summary>
    public void Detach(string key, string connectionId)
    {
        lock (_lock)
        {
            if (!_streams.TryGetValue(key, out var stream))
            {
                return;
            }

            var before = stream.ConnectionCount;
            var removed = stream.RemoveConnection(connectionId);
            _tally.ConnectionsChanged(before, stream.ConnectionCount);
            if (!removed || stream.ConnectionCount > 0)
            {
                return;
            }

            StartLingerLocked(stream);
        }
    }

    /// <summary>Stops taking connections and closes every stream with 1001 (going away). Idempotent.</summary>
    /// <returns>Completes when every socket of the set has closed.</returns>
    public Task BeginShutdown()
    {
        lock (_lock)
        {
            if (!_stopped)
            {
                _stopped = true;
                foreach (var stream in _streams.Values)
                {
                    CancelLingerLocked(stream);
                    UncountLocked(stream);
                    _closing.Add(Task.Run(() => stream.StopAsync(WebSocketCloseStatus.EndpointUnavailable), CancellationToken.None));
                }

                _streams.Clear();
            }

            return Task.WhenAll(_closing);
        }
    }

    /// <summary>
    /// The stream's connections on other relays changed, or this relay stopped holding the socket for them: a
    /// stream with no connections here that no longer serves anyone starts its linger.
    /// </summary>
    private void OnHoldChanged(UpstreamStream<TMessage> stream)
    {
        lock (_lock)
        {
            if (IsCurrentLocked(stream) &&
                stream.ConnectionCount == 0 && stream.PendingLinger is null && !stream.KeepsSocketForOtherRelays)
            {
                StartLingerLocked(stream);
            }
        }
    }

    /// <summary>The stream will never connect again (refused for good): its connections are left without it.</summary>
    private void OnEnded(UpstreamStream<TMessage> stream)
    {
        lock (_lock)
        {
            if (IsCurrentLocked(stream))
            {
                UpstreamStreamSetLog.ClosingRefused(_logger, stream.Name);
                CloseLocked(stream);
            }
        }
    }

    private bool IsCurrentLocked(UpstreamStream<TMessage> stream) =>
        _streams.TryGetValue(stream.Key, out var current) && current == stream;

    private void StartLingerLocked(UpstreamStream<TMessage> stream)
    {
        if (_options.Linger == TimeSpan.Zero)
        {
            UpstreamStreamSetLog.Closing(_logger, stream.Name);
            CloseLocked(stream);
            return;
        }

        var linger = new Linger(this, stream);
        CancelLingerLocked(stream);
        stream.PendingLinger = linger;
        linger.Timer = _timeProvider.CreateTimer(
            static state => ((Linger)state!).Elapsed(), linger, _options.Linger, Timeout.InfiniteTimeSpan);
        UpstreamStreamSetLog.LingerStarted(_logger, stream.Name, _options.Linger);
    }

    private void OnLingerElapsed(Linger linger)
    {
        lock (_lock)
        {
            var stream = linger.Stream;
            linger.Timer?.Dispose();
            if (stream.PendingLinger != linger || !IsCurrentLocked(stream) || stream.ConnectionCount > 0)
            {
                return;
            }

            stream.PendingLinger = null;
            if (stream.KeepsSocketForOtherRelays)
            {
                // The stream's connections elsewhere still need this socket; they tell when they are gone.
                UpstreamStreamSetLog.KeptForOtherRelays(_logger, stream.Name);
                return;
            }

            UpstreamStreamSetLog.Closing(_logger, stream.Name);
            CloseLocked(stream);
        }
    }

    private static void CancelLingerLocked(UpstreamStream<TMessage> stream)
    {
        stream.PendingLinger?.Dispose();
        stream.PendingLinger = null;
    }

    private void CloseLocked(UpstreamStream<TMessage> stream)
    {
        CancelLingerLocked(stream);
        _streams.Remove(stream.Key);
        UncountLocked(stream);

        // Closed outside the lock; tracked until done so shutdown can wait for it.
        var closing = Task.Run(() => stream.StopAsync(WebSocketCloseStatus.NormalClosure), CancellationToken.None);
        _closing.Add(closing);
        closing.ContinueWith(
            (task, state) =>
            {
                var set = (UpstreamStreamSet<TMessage>)state!;
                lock (set._lock)
                {
                    set._closing.Remove(task);
                }
            },
            this,
            CancellationToken.None,
            TaskContinuationOptions.ExecuteSynchronously,
            TaskScheduler.Default);
    }

    private void AddConnectionLocked(UpstreamStream<TMessage> stream, string connectionId, UpstreamToken token)
    {
        var before = stream.ConnectionCount;
        stream.AddConnection(connectionId, token);
        _tally.ConnectionsChanged(before, stream.ConnectionCount);
    }

    /// <summary>A stream leaves the set: what it added to the counts goes with it, whatever it still holds.</summary>
    private void UncountLocked(UpstreamStream<TMessage> stream)
    {
        _tally.StreamRemoved();
        _tally.ConnectionsChanged(stream.ConnectionCount, 0);
        stream.StopCounting();
    }

    private sealed class Linger(UpstreamStreamSet<TMessage> set, UpstreamStream<TMessage> stream) : IDisposable
    {
        public UpstreamStream<TMessage> Stream { get; } = stream;

        public ITimer? Timer { get; set; }

        public void Elapsed() => set.OnLingerElapsed(this);

        public void Dispose() => Timer?.Dispose();
    }
}
