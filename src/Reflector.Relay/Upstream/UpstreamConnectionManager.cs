using System.Net.WebSockets;
using Microsoft.Extensions.Options;
using Polly;
using Polly.Retry;
using Reflector.Relay.Cluster;
using Reflector.Relay.Diagnostics;
using Reflector.Relay.Limits;

namespace Reflector.Relay.Upstream;

/// <summary>
/// Keeps one upstream socket per user with live browser connections. The first connection opens it,
/// the last one starts the linger, and a connection arriving during the linger takes the same socket.
/// All refcount and lifetime changes happen under one lock, so concurrent joins and leaves of one user
/// can never leave two sockets, an unused socket past its linger, or a connected user without a socket.
/// </summary>
internal sealed partial class UpstreamConnectionManager : IHostedLifecycleService
{
    private readonly UpstreamOptions _options;
    private readonly int _maxConnectionsPerUser;
    private readonly UpstreamConnector _connector;
    private readonly IUserEventSink _sink;
    private readonly RelayMetrics _metrics;
    private readonly TimeProvider _timeProvider;
    private readonly ILoggerFactory _loggerFactory;
    private readonly ILogger _logger;
    private readonly ResiliencePipeline _reconnectPipeline;
    private readonly IUpstreamOwnership _ownership;

    private readonly Lock _lock = new();
    private readonly Dictionary<string, UserUpstream> _upstreams = new(StringComparer.Ordinal);
    private readonly HashSet<Task> _closing = [];
    private readonly IHostApplicationLifetime? _lifetime;
    private bool _started;
    private bool _stopped;
    private Task _shutdown = Task.CompletedTask;

    public UpstreamConnectionManager(
        IOptions<UpstreamOptions> options,
        IOptions<ConnectionLimitsOptions> limits,
        UpstreamConnector connector,
        IUserEventSink sink,
        RelayMetrics metrics,
        TimeProvider timeProvider,
        ILoggerFactory loggerFactory,
        IHostApplicationLifetime? lifetime = null,
        IUpstreamOwnership? ownership = null)
    {
        _lifetime = lifetime;
        _ownership = ownership ?? new LocalUpstreamOwnership();
        _options = options.Value;
        _maxConnectionsPerUser = limits.Value.MaxConnectionsPerUser;
        _connector = connector;
        _sink = sink;
        _metrics = metrics;
        _timeProvider = timeProvider;
        _loggerFactory = loggerFactory;
        _logger = loggerFactory.CreateLogger<UpstreamConnectionManager>();
        _reconnectPipeline = CreateReconnectPipeline(_options, timeProvider);
        metrics.ObserveUpstreams(Census);
    }

    /// <summary>Ready while started and not shutting down.</summary>
    public bool IsAcceptingConnections
    {
        get
        {
            lock (_lock)
            {
                return _started && !_stopped;
            }
        }
    }

    /// <summary>Users that currently have an upstream (connected, connecting, or lingering).</summary>
    public int UpstreamCount
    {
        get
        {
            lock (_lock)
            {
                return _upstreams.Count;
            }
        }
    }

    /// <summary>Upstream sockets that are open right now.</summary>
    public int OpenSocketCount
    {
        get
        {
            lock (_lock)
            {
                return _upstreams.Values.Count(upstream => upstream.HasOpenSocket);
            }
        }
    }

    /// <summary>Live browser connections counted against <paramref name="userId"/>'s upstream.</summary>
    public int ConnectionsOf(string userId)
    {
        lock (_lock)
        {
            return _upstreams.TryGetValue(userId, out var upstream) ? upstream.ConnectionCount : 0;
        }
    }

    /// <summary>Connections, users, open sockets and upstream states, counted in one pass under the lock.</summary>
    public UpstreamCensus Census()
    {
        lock (_lock)
        {
            var census = default(UpstreamCensus);
            foreach (var upstream in _upstreams.Values)
            {
                census = UpstreamCensus.Add(census, upstream.ConnectionCount, upstream.HasOpenSocket, upstream.Status.State);
            }

            return census;
        }
    }

    /// <summary>Tokens of <paramref name="userId"/> the upstream refused and that a live connection still holds.</summary>
    public int RefusedTokensOf(string userId)
    {
        lock (_lock)
        {
            return _upstreams.TryGetValue(userId, out var upstream) ? upstream.RefusedTokenCount : 0;
        }
    }

    /// <summary>Whether <paramref name="userId"/> has an upstream (connected, connecting, or lingering).</summary>
    public bool HasUpstream(string userId)
    {
        lock (_lock)
        {
            return _upstreams.ContainsKey(userId);
        }
    }

    /// <summary>
    /// Counts <paramref name="connectionId"/> against its user's upstream, opening it when it is the first,
    /// and sends the connection the upstream's current state.
    /// </summary>
    /// <exception cref="ConnectionLimitExceededException">The user already holds the most connections allowed.</exception>
    public async Task AttachAsync(string userId, string connectionId, UpstreamToken token, CancellationToken cancellationToken)
    {
        UserUpstream upstream;
        lock (_lock)
        {
            if (_stopped)
            {
                throw new RelayShuttingDownException();
            }

            if (_upstreams.TryGetValue(userId, out var existing))
            {
                if (existing.ConnectionCount >= _maxConnectionsPerUser)
                {
                    throw new ConnectionLimitExceededException(_maxConnectionsPerUser);
                }

                upstream = existing;
                if (upstream.PendingLinger is not null)
                {
                    CancelLingerLocked(upstream);
                    Log.LingerCancelled(_logger, userId);
                }

                upstream.AddConnection(connectionId, token);
            }
            else
            {
                upstream = new UserUpstream(
                    userId, _connector, _sink, _reconnectPipeline, _options, _metrics, _timeProvider,
                    _loggerFactory.CreateLogger<UserUpstream>(), _ownership, OnHoldChanged);
                _upstreams.Add(userId, upstream);
                upstream.AddConnection(connectionId, token);
                upstream.Start();
            }
        }

        try
        {
            await upstream.SendCurrentStatusAsync(connectionId, cancellationToken).ConfigureAwait(false);
        }
        catch
        {
            Detach(userId, connectionId);
            throw;
        }
    }

    /// <summary>Releases <paramref name="connectionId"/>; the user's last connection starts the linger.</summary>
    public void Detach(string userId, string connectionId)
    {
        lock (_lock)
        {
            if (!_upstreams.TryGetValue(userId, out var upstream) ||
                !upstream.RemoveConnection(connectionId) ||
                upstream.ConnectionCount > 0)
            {
                return;
            }

            StartLingerLocked(upstream);
        }
    }

    /// <summary>
    /// The user's connections on other relays changed, or this relay stopped holding the socket for them: an
    /// upstream with no connections here that no longer serves anyone starts its linger.
    /// </summary>
    private void OnHoldChanged(UserUpstream upstream)
    {
        lock (_lock)
        {
            if (_upstreams.TryGetValue(upstream.UserId, out var current) && current == upstream &&
                upstream.ConnectionCount == 0 && upstream.PendingLinger is null && !upstream.KeepsSocketForOtherRelays)
            {
                StartLingerLocked(upstream);
            }
        }
    }

    private void StartLingerLocked(UserUpstream upstream)
    {
        if (_options.Linger == TimeSpan.Zero)
        {
            CloseLocked(upstream);
            return;
        }

        var linger = new Linger(this, upstream);
        CancelLingerLocked(upstream);
        upstream.PendingLinger = linger;
        linger.Timer = _timeProvider.CreateTimer(
            static state => ((Linger)state!).Elapsed(), linger, _options.Linger, Timeout.InfiniteTimeSpan);
        Log.LingerStarted(_logger, upstream.UserId, _options.Linger);
    }

    public Task StartAsync(CancellationToken cancellationToken)
    {
        lock (_lock)
        {
            _started = true;
        }

        return Task.CompletedTask;
    }

    public Task StartingAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StartedAsync(CancellationToken cancellationToken)
    {
        // SignalR closes browser connections when the application starts stopping, which would start a linger
        // (and a 1000 close) for every user. Registered last, this runs first and closes everything with 1001.
        _lifetime?.ApplicationStopping.Register(static state => ((UpstreamConnectionManager)state!).BeginShutdown(), this);
        return Task.CompletedTask;
    }

    public Task StoppingAsync(CancellationToken cancellationToken)
    {
        BeginShutdown();
        return Task.CompletedTask;
    }

    /// <summary>Waits for every upstream socket to close with 1001 (going away), as long as the host allows.</summary>
    public async Task StopAsync(CancellationToken cancellationToken)
    {
        BeginShutdown();
        try
        {
            await _shutdown.WaitAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            // The host's shutdown timeout: the sockets go with the process; exiting cleanly still matters more.
            Log.ShutdownTimedOut(_logger);
        }
    }

    public Task StoppedAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    /// <summary>Stops taking connections (readiness fails) and closes every upstream socket with 1001. Idempotent.</summary>
    private void BeginShutdown()
    {
        List<Task> closing;
        lock (_lock)
        {
            if (_stopped)
            {
                return;
            }

            _stopped = true;
            closing = [.. _closing];
            foreach (var upstream in _upstreams.Values)
            {
                CancelLingerLocked(upstream);
                closing.Add(Task.Run(() => upstream.StopAsync(WebSocketCloseStatus.EndpointUnavailable), CancellationToken.None));
            }

            _upstreams.Clear();
            _shutdown = Task.WhenAll(closing);
        }

        Log.ShuttingDown(_logger, closing.Count);
    }

    private void OnLingerElapsed(Linger linger)
    {
        lock (_lock)
        {
            var upstream = linger.Upstream;
            linger.Timer?.Dispose();
            if (upstream.PendingLinger != linger ||
                !_upstreams.TryGetValue(upstream.UserId, out var current) ||
                current != upstream ||
                upstream.ConnectionCount > 0)
            {
                return;
            }

            upstream.PendingLinger = null;
            if (upstream.KeepsSocketForOtherRelays)
            {
                // The user's connections elsewhere still need this socket; they tell when they are gone.
                Log.KeptForOtherRelays(_logger, upstream.UserId);
                return;
            }

            CloseLocked(upstream);
        }
    }

    private static void CancelLingerLocked(UserUpstream upstream)
    {
        upstream.PendingLinger?.Dispose();
        upstream.PendingLinger = null;
    }

    private void CloseLocked(UserUpstream upstream)
    {
        CancelLingerLocked(upstream);
        _upstreams.Remove(upstream.UserId);
        Log.Closing(_logger, upstream.UserId);

        // Closed outside the lock; tracked until done so shutdown can wait for it.
        var closing = Task.Run(() => upstream.StopAsync(WebSocketCloseStatus.NormalClosure), CancellationToken.None);
        _closing.Add(closing);
        closing.ContinueWith(
            (task, state) =>
            {
                var manager = (UpstreamConnectionManager)state!;
                lock (manager._lock)
                {
                    manager._closing.Remove(task);
                }
            },
            this,
            CancellationToken.None,
            TaskContinuationOptions.ExecuteSynchronously,
            TaskScheduler.Default);
    }

    private static ResiliencePipeline CreateReconnectPipeline(UpstreamOptions options, TimeProvider timeProvider) =>
        new ResiliencePipelineBuilder { TimeProvider = timeProvider }
            .AddRetry(new RetryStrategyOptions
            {
                // Every failure is worth another try; only our own cancellation means the user's upstream is closing.
                ShouldHandle = static args => ValueTask.FromResult(
                    args.Outcome.Exception is { } e &&
                    !(e is OperationCanceledException && args.Context.CancellationToken.IsCancellationRequested)),
                MaxRetryAttempts = int.MaxValue,
                BackoffType = DelayBackoffType.Exponential,
                UseJitter = true,
                Delay = options.ReconnectDelay,
                MaxDelay = options.MaxReconnectDelay,
                OnRetry = static args => args.Context.Properties.TryGetValue(UserUpstream.ContextKey, out var upstream)
                    ? upstream.OnReconnectScheduledAsync(args.RetryDelay, args.AttemptNumber + 1, args.Outcome.Exception)
                    : ValueTask.CompletedTask,
            })
            .Build();

    private sealed class Linger(UpstreamConnectionManager manager, UserUpstream upstream) : IDisposable
    {
        public UserUpstream Upstream { get; } = upstream;

        public ITimer? Timer { get; set; }

        public void Elapsed() => manager.OnLingerElapsed(this);

        public void Dispose() => Timer?.Dispose();
    }

    private static partial class Log
    {
        [LoggerMessage(200, LogLevel.Debug, "Last connection of user {UserId} left; upstream lingers for {Linger}")]
        public static partial void LingerStarted(ILogger logger, string userId, TimeSpan linger);

        [LoggerMessage(201, LogLevel.Debug, "A connection of user {UserId} arrived during the linger; upstream reused")]
        public static partial void LingerCancelled(ILogger logger, string userId);

        [LoggerMessage(202, LogLevel.Information, "Closing the upstream of user {UserId}: no connections left")]
        public static partial void Closing(ILogger logger, string userId);

        [LoggerMessage(203, LogLevel.Information, "Shutting down: closing {Count} upstream sockets")]
        public static partial void ShuttingDown(ILogger logger, int count);

        [LoggerMessage(204, LogLevel.Warning, "Shutdown timed out before every upstream socket had closed")]
        public static partial void ShutdownTimedOut(ILogger logger);

        [LoggerMessage(205, LogLevel.Information, "No connection of user {UserId} left here; the upstream stays open for the user's connections on other relays")]
        public static partial void KeptForOtherRelays(ILogger logger, string userId);
    }
}
