using StackExchange.Redis;

namespace Reflector.Relay.Cluster;

/// <summary>
/// Says this relay is alive (one key with a time to live, renewed every heartbeat) and learns which relays are,
/// at a cost of a few commands per relay per heartbeat, whatever the number of users. It tells its observer what
/// changed: Redis lost, Redis (or this relay's presence) back, relays dead.
/// </summary>
internal sealed class ClusterHeartbeat : IDisposable
{
    private readonly ClusterOptions _options;
    private readonly ClusterKeys _keys;
    private readonly Func<IConnectionMultiplexer?> _redis;
    private readonly IClusterMembershipObserver _observer;
    private readonly TimeProvider _timeProvider;
    private readonly ILogger _logger;

    private readonly Lock _lock = new();
    private HashSet<string> _liveNodes = new(StringComparer.Ordinal);
    private TaskCompletionSource _wake = NewSignal();
    private bool _wasConnected;
    private long _lastRenewal;
    // When this relay last renewed the set of relays' lifetime; null before it first did.
    private long? _nodesRenewedAt;

    private readonly CancellationTokenSource _stopping = new();
    private Task _loop = Task.CompletedTask;

    public ClusterHeartbeat(
        ClusterOptions options,
        ClusterKeys keys,
        Func<IConnectionMultiplexer?> redis,
        IClusterMembershipObserver observer,
        TimeProvider timeProvider,
        ILogger logger)
    {
        _options = options;
        _keys = keys;
        _redis = redis;
        _observer = observer;
        _timeProvider = timeProvider;
        _logger = logger;
    }

    private bool IsConnected => _redis()?.IsConnected == true;

    /// <summary>
    /// Redis answers but this relay has not renewed its presence for a node timeout: it was paused, and other relays
    /// may have taken its sockets over. Cleared once the next heartbeat has settled the claims.
    /// </summary>
    public bool PresenceLapsed =>
        IsConnected && _timeProvider.GetElapsedTime(Interlocked.Read(ref _lastRenewal)) > _options.NodeTimeout;

    public bool IsLive(string nodeId)
    {
        lock (_lock)
        {
            return _liveNodes.Contains(nodeId);
        }
    }

    /// <summary>One beat at once, so the relay starts knowing the cluster; then one every heartbeat interval.</summary>
    public async Task StartAsync()
    {
        await BeatAsync().ConfigureAwait(false);
        _loop = Task.Run(LoopAsync, CancellationToken.None);
    }

    /// <summary>Stops beating and removes this relay's presence, so nobody waits for it to lapse.</summary>
    public async Task StopAsync()
    {
        await _stopping.CancelAsync().ConfigureAwait(false);
        Wake();
        await _loop.ConfigureAwait(false);
        if (_redis() is { IsConnected: true } redis)
        {
            try
            {
                var database = redis.GetDatabase();
                await database.KeyDeleteAsync(_keys.Node(_options.NodeId)).ConfigureAwait(false);
                await database.SetRemoveAsync(_keys.Nodes, _options.NodeId).ConfigureAwait(false);
            }
            catch (Exception exception) when (exception is RedisException or TimeoutException)
            {
                ClusterHeartbeatLog.BeatFailed(_logger, exception.Message);
            }
        }
    }

    /// <summary>Beats now rather than at the next interval (Redis went or came back).</summary>
    public void Wake()
    {
        TaskCompletionSource wake;
        lock (_lock)
        {
            wake = _wake;
        }

        wake.TrySetResult();
    }

    private async Task LoopAsync()
    {
        while (!_stopping.IsCancellationRequested)
        {
            Task wake;
            lock (_lock)
            {
                wake = _wake.Task;
            }

            await wake.WaitAsync(_options.HeartbeatInterval, _timeProvider, _stopping.Token)
                .ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
            lock (_lock)
            {
                if (_wake.Task.IsCompleted)
                {
                    _wake = NewSignal();
                }
            }

            if (_stopping.IsCancellationRequested)
            {
                return;
            }

            try
            {
                await BeatAsync().ConfigureAwait(false);
            }
            catch (Exception exception) when (exception is not OperationCanceledException || !_stopping.IsCancellationRequested)
            {
                // Redis went away mid-beat, or worse; the beat must go on either way, or this relay's claims die with it.
                ClusterHeartbeatLog.BeatFailed(_logger, exception.Message);
            }
        }
    }

    private async Task BeatAsync()
    {
        if (_redis() is not { IsConnected: true } redis)
        {
            if (_wasConnected)
            {
                _wasConnected = false;
                ClusterHeartbeatLog.RedisLost(_logger);
                _observer.OnRedisLost();
            }

            return;
        }

        var database = redis.GetDatabase();
        var nodeKey = _keys.Node(_options.NodeId);
        // Taken before the renewal is sent: a pause between Redis renewing and this relay reading the answer must
        // not count as presence.
        var renewing = _timeProvider.GetTimestamp();
        // Renewed only if it still exists: if it expired, other relays may already have taken this relay's sockets.
        var continuous = await database.StringSetAsync(nodeKey, "alive", _options.NodeTimeout, When.Exists).ConfigureAwait(false);
        if (!continuous)
        {
            await database.StringSetAsync(nodeKey, "alive", _options.NodeTimeout).ConfigureAwait(false);
        }

        if (!continuous || _nodesRenewedAt is not { } renewedAt || _timeProvider.GetElapsedTime(renewedAt) >= _options.KeyRenewalInterval)
        {
            // The set lives while any relay renews it, and a cluster that is gone leaves nothing behind for long.
            // Every live relay belongs in it (its own key was just renewed), so adding itself again is safe, and
            // mends a set that lapsed: without it in the set, the others would take this relay for dead.
            await database.SetAddAsync(_keys.Nodes, _options.NodeId).ConfigureAwait(false);
            database.KeyExpire(_keys.Nodes, _options.KeyLifetime, CommandFlags.FireAndForget);
            _nodesRenewedAt = renewing;
        }

        var dead = await RefreshLiveNodesAsync(database).ConfigureAwait(false);
        if (_wasConnected && continuous)
        {
            Interlocked.Exchange(ref _lastRenewal, renewing);
            await _observer.OnBeatAsync().ConfigureAwait(false);
        }
        else
        {
            ClusterHeartbeatLog.Rejoined(_logger, _options.NodeId);
            // Held sockets deliver again once every claim is settled, not before (PresenceLapsed).
            var confirm = await _observer.OnRejoinedAsync().ConfigureAwait(false);
            _wasConnected = true;
            Interlocked.Exchange(ref _lastRenewal, renewing);
            await confirm().ConfigureAwait(false);
        }

        if (dead.Count > 0)
        {
            ClusterHeartbeatLog.RelaysDied(_logger, string.Join(", ", dead));
            _observer.OnRelaysDied(dead);
        }
    }

    private async Task<HashSet<string>> RefreshLiveNodesAsync(IDatabase database)
    {
        var known = (await database.SetMembersAsync(_keys.Nodes).ConfigureAwait(false)).Select(member => (string)member!).ToList();
        var exists = await Task.WhenAll(known.Select(node => database.KeyExistsAsync(_keys.Node(node)))).ConfigureAwait(false);

        var live = new HashSet<string>(StringComparer.Ordinal) { _options.NodeId };
        var dead = new HashSet<string>(StringComparer.Ordinal);
        for (var i = 0; i < known.Count; i++)
        {
            if (exists[i] || known[i] == _options.NodeId)
            {
                live.Add(known[i]);
            }
            else
            {
                dead.Add(known[i]);
                database.SetRemove(_keys.Nodes, known[i], CommandFlags.FireAndForget);
            }
        }

        lock (_lock)
        {
            // Also relays this one had seen alive that vanished from the set (another relay removed them first).
            foreach (var node in _liveNodes)
            {
                if (!live.Contains(node))
                {
                    dead.Add(node);
                }
            }

            _liveNodes = live;
        }

        return dead;
    }

    public void Dispose() => _stopping.Dispose();

    private static TaskCompletionSource NewSignal() => new(TaskCreationOptions.RunContinuationsAsynchronously);
}
