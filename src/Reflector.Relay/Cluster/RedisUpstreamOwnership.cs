using Reflector.Relay.Logging;
using Microsoft.Extensions.Options;
using Reflector.Relay.Diagnostics;
using Reflector.Relay.Events;
using StackExchange.Redis;

namespace Reflector.Relay.Cluster;

/// <summary>
/// Relays sharing one Redis keep one upstream socket per user between them. Each relay says it is alive once per
/// heartbeat (one key with a time to live) and watches which relays are; a user's socket is held under a claim
/// that stays valid while its relay is alive, so the cost per heartbeat is a few commands per relay, not one per
/// user. Everything else happens on the user's own channel and only when something changes: a claim, a release,
/// a relay's connections of the user coming or going, and the holder's messages.
/// While Redis is unreachable every relay holds a socket of its own for its users (<see cref="RedisStreamClaim{TMessage}"/>),
/// and when it returns the claims are settled again.
/// </summary>
internal sealed partial class RedisUpstreamOwnership : IUpstreamOwnership<InvalidateMessage>, IUpstreamOwnership<TranscriptEventMessage>, IClusterMembershipObserver, IHostedService, IAsyncDisposable
{
    private readonly ClusterOptions _options;
    private readonly string _connectionString;
    private readonly RelayMetrics _metrics;
    private readonly TimeProvider _timeProvider;
    private readonly ILogger<RedisUpstreamOwnership> _logger;

    private readonly Lock _lock = new();
    private readonly HashSet<IRedisClaim> _claims = [];
    private readonly Dictionary<string, int> _interest = new(StringComparer.Ordinal);
    private readonly ClusterHeartbeat _heartbeat;
    // Releases Redis could not take when they were made; retried every heartbeat (see ReleaseOrRetryLaterAsync).
    private readonly System.Collections.Concurrent.ConcurrentDictionary<(string UserId, string HolderValue), string> _pendingReleases = new();
    private long _claimSequence;
    private ConnectionMultiplexer? _redis;
    // The round of key renewals under way, if any: run beside the heartbeat, which must never wait on it.
    private Task _renewals = Task.CompletedTask;
    // The round of subscriptions being retried or checked, if any: beside the heartbeat too.
    private Task _subscriptions = Task.CompletedTask;

    public RedisUpstreamOwnership(
        IOptions<ClusterOptions> options,
        IConfiguration configuration,
        RelayMetrics metrics,
        TimeProvider timeProvider,
        ILogger<RedisUpstreamOwnership> logger)
    {
        _options = options.Value;
        _connectionString = configuration.GetConnectionString(ClusterOptions.ConnectionStringName) ?? string.Empty;
        _metrics = metrics;
        _timeProvider = timeProvider;
        _logger = logger;
        Keys = new ClusterKeys(_options.KeyPrefix);
        _heartbeat = new ClusterHeartbeat(_options, Keys, () => _redis, this, timeProvider, logger);
        metrics.ObserveCluster(() => IsConnected);
    }

    public ClusterKeys Keys { get; }

    public string NodeId => _options.NodeId;

    public bool IsConnected => _redis?.IsConnected == true;

    /// <inheritdoc cref="ClusterHeartbeat.PresenceLapsed"/>
    internal bool PresenceLapsed => _heartbeat.PresenceLapsed;

    internal RelayMetrics Metrics => _metrics;

    internal ILogger Logger => _logger;

    internal TimeSpan SafetyRetry => 10 * _options.NodeTimeout;

    internal TimeSpan HeartbeatInterval => _options.HeartbeatInterval;

    /// <summary>How long a claim waits for its probe to come back on its channel before it takes itself for deaf.</summary>
    internal TimeSpan ProbeTimeout => 2 * _options.HeartbeatInterval;

    internal TimeProvider TimeProvider => _timeProvider;

    /// <inheritdoc cref="ClusterOptions.KeyRenewalInterval"/>
    internal TimeSpan KeyRenewalInterval => _options.KeyRenewalInterval;

    private RedisValue KeyLifetimeMs => (long)_options.KeyLifetime.TotalMilliseconds;

    private IDatabase Database => _redis!.GetDatabase();

    internal ISubscriber Subscriber => _redis!.GetSubscriber();

    public IUpstreamClaim<InvalidateMessage> Join(string userId, IClaimObserver<InvalidateMessage> observer) =>
        JoinStream(ClusterKeys.UserStream(userId), observer);

    public IUpstreamClaim<TranscriptEventMessage> Join(string key, IClaimObserver<TranscriptEventMessage> observer) =>
        JoinStream(ClusterKeys.TranscriptStream(key), observer);

    private RedisStreamClaim<TMessage> JoinStream<TMessage>(string streamKey, IClaimObserver<TMessage> observer)
        where TMessage : class
    {
        var claim = new RedisStreamClaim<TMessage>(this, streamKey, $"{NodeId}/{Interlocked.Increment(ref _claimSequence)}", observer);
        bool first;
        lock (_lock)
        {
            _claims.Add(claim);
            first = !_interest.TryGetValue(streamKey, out var count);
            _interest[streamKey] = count + 1;
        }

        if (first)
        {
            SayInterest(streamKey, claim.HolderId, joined: true);
        }

        claim.Start();
        return claim;
    }

    internal void Leave(IRedisClaim claim)
    {
        bool last;
        lock (_lock)
        {
            _claims.Remove(claim);
            var count = _interest.GetValueOrDefault(claim.StreamKey) - 1;
            last = count <= 0;
            if (last)
            {
                _interest.Remove(claim.StreamKey);
            }
            else
            {
                _interest[claim.StreamKey] = count;
            }
        }

        if (last)
        {
            SayInterest(claim.StreamKey, claim.HolderId, joined: false);
        }
    }

    internal bool IsLive(string nodeId) => _heartbeat.IsLive(nodeId);

    /// <summary>Whether this relay has no claim of <paramref name="stream"/> but one.</summary>
    internal bool IsOnlyClaimOn(string stream)
    {
        lock (_lock)
        {
            return _interest.GetValueOrDefault(stream) <= 1;
        }
    }

    /// <summary>Runs the claim script; throws when Redis cannot answer.</summary>
    /// <param name="epochFloor">One more than the newest epoch the claimant heard of the stream: see <see cref="ClusterKeys.ClaimScript"/>.</param>
    internal async Task<ClaimResult> TryClaimAsync(string stream, string holderId, long epochFloor)
    {
        var result = (RedisResult[])(await Database.ScriptEvaluateAsync(
            ClusterKeys.ClaimScript,
            [Keys.Owner(stream), Keys.Epoch(stream), Keys.Status(stream)],
            [holderId, Keys.NodePrefix, KeyLifetimeMs, epochFloor]).ConfigureAwait(false))!;
        var value = (string)result[1]!;
        return new ClaimResult((int)result[0] == 1, value, (int)result[2] == 1);
    }

    /// <summary>
    /// Renews the keys of a claim this relay holds for another <see cref="ClusterOptions.KeyLifetime"/>; false when
    /// it no longer holds it in Redis. Throws when Redis cannot answer.
    /// </summary>
    internal async Task<bool> RenewHoldAsync(string stream, string holderValue) =>
        (int)await Database.ScriptEvaluateAsync(
            ClusterKeys.RenewScript,
            [Keys.Owner(stream), Keys.Epoch(stream), Keys.Status(stream)],
            [holderValue, KeyLifetimeMs]).ConfigureAwait(false) == 1;

    /// <summary>
    /// Keeps the set of relays interested in a stream for another <see cref="ClusterOptions.KeyLifetime"/>. Never
    /// adds this relay to it: a renewal sent just after this relay left would otherwise bring it back for good.
    /// </summary>
    internal void RenewInterest(string stream)
    {
        if (IsConnected)
        {
            try
            {
                Database.KeyExpire(Keys.Interested(stream), _options.KeyLifetime, CommandFlags.FireAndForget);
            }
            catch (RedisException exception)
            {
                Log.PublishFailed(_logger, stream, exception.Message);
            }
        }
    }

    /// <summary>
    /// Frees the user's claim for the relays with its tabs, now or, when Redis cannot take it now, at a later
    /// heartbeat: the claim names a live relay, so nothing else would ever free it.
    /// </summary>
    internal async Task ReleaseOrRetryLaterAsync(string stream, string holderId, string holderValue)
    {
        if (!await TryReleaseAsync(stream, holderId, holderValue).ConfigureAwait(false))
        {
            _pendingReleases[(stream, holderValue)] = holderId;
        }
    }

    private async Task<bool> TryReleaseAsync(string stream, string holderId, string holderValue)
    {
        if (!IsConnected)
        {
            return false;
        }

        try
        {
            // An epoch shorter-lived than the stream's other keys would be no safer: see ClusterKeys.ClaimScript.
            var epochLifetime = ClusterKeys.EndedStreamLifetime < _options.KeyLifetime ? ClusterKeys.EndedStreamLifetime : _options.KeyLifetime;
            await Database.ScriptEvaluateAsync(
                ClusterKeys.ReleaseScript,
                [Keys.Owner(stream), Keys.Status(stream), Keys.Epoch(stream)],
                [holderValue, (long)epochLifetime.TotalMilliseconds]).ConfigureAwait(false);
            Publish(stream, new ClusterEnvelope(holderId, 0, 0, ClusterMessageKind.Released), holderValue: null);
            return true;
        }
        catch (Exception exception) when (exception is RedisException or TimeoutException)
        {
            Log.PublishFailed(_logger, stream, exception.Message);
            return false;
        }
    }

    internal async Task<string[]> InterestedNodesAsync(string stream) =>
        [.. (await Database.SetMembersAsync(Keys.Interested(stream)).ConfigureAwait(false)).Select(member => (string)member!)];

    internal async Task<RedisValue> LastStatusAsync(string stream) =>
        await Database.StringGetAsync(Keys.Status(stream)).ConfigureAwait(false);

    /// <summary>Fire and forget: ordered after every earlier command on the same connection, never waited for.</summary>
    /// <param name="holderValue">For a status: the claim it is published under; it is kept for joining tabs only while that claim holds.</param>
    internal void Publish(string stream, ClusterEnvelope envelope, string? holderValue)
    {
        if (!IsConnected)
        {
            return;
        }

        var json = envelope.ToJson();
        try
        {
            if (holderValue is not null)
            {
                Database.ScriptEvaluate(
                    ClusterKeys.SetStatusScript, [Keys.Owner(stream), Keys.Status(stream)], [holderValue, json, KeyLifetimeMs], CommandFlags.FireAndForget);
            }

            Subscriber.Publish(Keys.Channel(stream), json, CommandFlags.FireAndForget);
            _metrics.ClusterMessagePublished();
        }
        catch (RedisException exception)
        {
            Log.PublishFailed(_logger, stream, exception.Message);
        }
    }

    private void SayInterest(string stream, string holderId, bool joined)
    {
        if (!IsConnected)
        {
            // Said again for every user when Redis comes back.
            return;
        }

        try
        {
            var key = Keys.Interested(stream);
            if (joined)
            {
                Database.SetAdd(key, NodeId, CommandFlags.FireAndForget);
                Database.KeyExpire(key, _options.KeyLifetime, CommandFlags.FireAndForget);
            }
            else
            {
                // The last relay to leave empties the set, and Redis deletes an empty set.
                Database.SetRemove(key, NodeId, CommandFlags.FireAndForget);
            }

            Subscriber.Publish(
                Keys.Channel(stream), new ClusterEnvelope(holderId, 0, 0, ClusterMessageKind.Interest).ToJson(), CommandFlags.FireAndForget);
        }
        catch (RedisException exception)
        {
            Log.PublishFailed(_logger, stream, exception.Message);
        }
    }

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        var configuration = ConfigurationOptions.Parse(_connectionString);
        // A relay starts and serves, node-local, while Redis is down; it joins the cluster once Redis answers.
        configuration.AbortOnConnectFail = false;
        // A renewal or claim queued during an outage and sent seconds later could act on a world that has moved on.
        configuration.BacklogPolicy = BacklogPolicy.FailFast;
        configuration.ReconnectRetryPolicy = new LinearRetry(500);
        configuration.ConnectTimeout = Math.Min(configuration.ConnectTimeout, 2000);
        configuration.AsyncTimeout = Math.Min(configuration.AsyncTimeout, 2000);
        configuration.SyncTimeout = Math.Min(configuration.SyncTimeout, 2000);
        configuration.KeepAlive = 1;
        configuration.ClientName ??= NodeId;

        _redis = await ConnectionMultiplexer.ConnectAsync(configuration).ConfigureAwait(false);
        _redis.ConnectionFailed += (_, failure) =>
        {
            if (failure.ConnectionType == ConnectionType.Subscription)
            {
                // The client subscribes everything again by itself, but what was published meanwhile is lost.
                Log.SubscriptionLost(_logger, failure.FailureType.ToString());
                foreach (var claim in Claims())
                {
                    claim.OnSubscriptionLost();
                }
            }

            _heartbeat.Wake();
        };
        _redis.ConnectionRestored += (_, _) => _heartbeat.Wake();
        Log.Started(_logger, NodeId, _redis.IsConnected);
        await _heartbeat.StartAsync().ConfigureAwait(false);
    }

    /// <summary>Runs after the upstreams have let go (hosted services stop in reverse order): says goodbye.</summary>
    public async Task StopAsync(CancellationToken cancellationToken)
    {
        await _heartbeat.StopAsync().ConfigureAwait(false);
        await _renewals.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        await _subscriptions.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
    }

    public async ValueTask DisposeAsync()
    {
        if (_redis is not null)
        {
            await _redis.DisposeAsync().ConfigureAwait(false);
        }

        _heartbeat.Dispose();
    }

    public void OnRedisLost()
    {
        foreach (var claim in Claims())
        {
            claim.OnRedisLost();
        }
    }

    public async Task<Func<Task>> OnRejoinedAsync()
    {
        List<string> streams;
        lock (_lock)
        {
            streams = [.. _interest.Keys];
        }

        foreach (var stream in streams)
        {
            Database.SetAdd(Keys.Interested(stream), NodeId, CommandFlags.FireAndForget);
            Database.KeyExpire(Keys.Interested(stream), _options.KeyLifetime, CommandFlags.FireAndForget);
            // Said on the channel too: a holder reads the set only when told, and would otherwise let go of a user
            // whose tabs on this relay it no longer knows about.
            Subscriber.Publish(
                Keys.Channel(stream), new ClusterEnvelope(NodeId, 0, 0, ClusterMessageKind.Interest).ToJson(), CommandFlags.FireAndForget);
        }

        // Side by side (the client pipelines them): thousands of claims settled one round trip at a time could
        // outlast this relay's own presence.
        var confirmed = new System.Collections.Concurrent.ConcurrentBag<IRedisClaim>();
        await Parallel.ForEachAsync(
            Claims(),
            new ParallelOptions { MaxDegreeOfParallelism = 64 },
            async (claim, _) =>
            {
                if (await claim.SettleAsync().ConfigureAwait(false))
                {
                    confirmed.Add(claim);
                }
            }).ConfigureAwait(false);

        return async () =>
        {
            foreach (var claim in confirmed)
            {
                await claim.ConfirmedAsync().ConfigureAwait(false);
            }
        };
    }

    /// <summary>
    /// Every heartbeat with Redis: releases that could not be made, fallback sockets that can now be settled, and
    /// the keys due a renewal.
    /// </summary>
    public async Task OnBeatAsync()
    {
        // Beside the heartbeat, not in it: thousands of renewals waiting on a slow Redis must not delay this relay's
        // own presence. One round at a time; a claim left out of one is still due at the next.
        if (_renewals.IsCompleted)
        {
            _renewals = RenewDueKeysAsync();
        }

        // Every claim that does not hear its channel tries again now, until it does.
        if (_subscriptions.IsCompleted)
        {
            _subscriptions = SubscribeDeafClaimsAsync();
        }

        foreach (var ((stream, holderValue), holderId) in _pendingReleases)
        {
            if (await TryReleaseAsync(stream, holderId, holderValue).ConfigureAwait(false))
            {
                _pendingReleases.TryRemove((stream, holderValue), out _);
            }
        }

        foreach (var claim in Claims().Where(claim => claim.HoldsFallback))
        {
            if (await claim.SettleAsync().ConfigureAwait(false))
            {
                await claim.ConfirmedAsync().ConfigureAwait(false);
            }
        }
    }

    private async Task SubscribeDeafClaimsAsync()
    {
        var deaf = Claims().Where(claim => !claim.IsLive).ToList();
        if (deaf.Count == 0)
        {
            return;
        }

        try
        {
            await Parallel.ForEachAsync(
                deaf,
                new ParallelOptions { MaxDegreeOfParallelism = 64 },
                async (claim, _) => await claim.EnsureSubscribedAsync().ConfigureAwait(false)).ConfigureAwait(false);
        }
        catch (Exception exception)
        {
            Log.SubscriptionsFailed(_logger, exception);
        }
    }

    private async Task RenewDueKeysAsync()
    {
        var due = Claims().Where(claim => claim.RenewalDue).ToList();
        if (due.Count == 0)
        {
            return;
        }

        try
        {
            // Side by side, as the client pipelines them.
            await Parallel.ForEachAsync(
                due,
                new ParallelOptions { MaxDegreeOfParallelism = 64 },
                async (claim, _) => await claim.RenewKeysAsync().ConfigureAwait(false)).ConfigureAwait(false);
        }
        catch (Exception exception)
        {
            // Nobody awaits a round but the next one's start and the shutdown: said here, and the claims stay due.
            Log.RenewalsFailed(_logger, exception);
        }
    }

    public void OnRelaysDied(IReadOnlySet<string> dead)
    {
        foreach (var claim in Claims())
        {
            claim.OnRelaysDied(dead);
        }
    }

    private List<IRedisClaim> Claims()
    {
        lock (_lock)
        {
            return [.. _claims];
        }
    }

    private static partial class Log
    {
        [LoggerMessage(LogEventIds.Cluster.Started, LogLevel.Information, "Cluster node {NodeId} started; Redis connected: {Connected}")]
        public static partial void Started(ILogger logger, string nodeId, bool connected);

        [LoggerMessage(LogEventIds.Cluster.PublishFailed, LogLevel.Warning, "Publishing to the cluster for {Stream} failed: {Reason}")]
        public static partial void PublishFailed(ILogger logger, string stream, string reason);

        [LoggerMessage(LogEventIds.Cluster.RenewalsFailed, LogLevel.Error, "A round of key renewals in Redis failed; the keys are renewed at a later heartbeat")]
        public static partial void RenewalsFailed(ILogger logger, Exception exception);

        [LoggerMessage(LogEventIds.Cluster.SubscriptionLost, LogLevel.Warning, "The pub/sub connection to Redis dropped ({Failure}): every channel is checked again before it counts as heard")]
        public static partial void SubscriptionLost(ILogger logger, string failure);

        [LoggerMessage(LogEventIds.Cluster.SubscriptionsFailed, LogLevel.Error, "A round of subscriptions to Redis failed; tried again at the next heartbeat")]
        public static partial void SubscriptionsFailed(ILogger logger, Exception exception);
    }
}

internal readonly record struct ClaimResult(bool Won, string HolderValue, bool TookOverFromDeadRelay)
{
    /// <summary>The relay of the holder named in <see cref="HolderValue"/>.</summary>
    public string HolderNode => HolderValue[..HolderValue.IndexOf('/', StringComparison.Ordinal)];
}
