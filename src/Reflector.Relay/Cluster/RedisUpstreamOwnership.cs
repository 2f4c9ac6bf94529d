using Microsoft.Extensions.Options;
using Reflector.Relay.Diagnostics;
using Reflector.Relay.Events;
using StackExchange.Redis;

namespace Reflector.Relay.Cluster;

/// <summary>
/// Relays sharing one Redis keep one upstream socket per stream between them. Each relay says it is alive once per
/// heartbeat (<see cref="ClusterHeartbeat"/>) and watches which relays are; a stream's socket is held under a claim
/// (<see cref="RedisStreamClaim{TMessage}"/>) that stays valid while its relay is alive, so the cost per heartbeat
/// is a few commands per relay, not one per stream. Everything else happens on the stream's own channel and only
/// when something changes. This type connects, starts the heartbeat, and makes the claims of both stream kinds.
/// </summary>
internal sealed class RedisUpstreamOwnership
    : IUpstreamOwnership<InvalidateMessage>, IUpstreamOwnership<TranscriptEventMessage>, IHostedService, IAsyncDisposable
{
    private readonly ClusterOptions _options;
    private readonly string _connectionString;
    private readonly ILogger<RedisUpstreamOwnership> _logger;
    private readonly ClusterConnection _connection = new();
    private readonly ClaimMaintenance _maintenance;
    private readonly ClusterHeartbeat _heartbeat;
    private readonly ClusterContext _cluster;
    private long _claimSequence;

    public RedisUpstreamOwnership(
        IOptions<ClusterOptions> options,
        IConfiguration configuration,
        RelayMetrics metrics,
        TimeProvider timeProvider,
        ILogger<RedisUpstreamOwnership> logger)
    {
        _options = options.Value;
        _connectionString = configuration.GetConnectionString(ClusterOptions.ConnectionStringName) ?? string.Empty;
        _logger = logger;
        var keys = new ClusterKeys(_options.KeyPrefix);
        var commands = new ClusterCommands(_connection, keys, _options, metrics, logger);
        var registry = new ClaimRegistry();
        var releases = new PendingReleases(commands.TryReleaseAsync);
        _maintenance = new ClaimMaintenance(registry, commands, releases, logger);
        _heartbeat = new ClusterHeartbeat(_options, keys, () => _connection.Multiplexer, _maintenance, timeProvider, logger);
        _cluster = new ClusterContext(_options, keys, _connection, commands, _heartbeat, registry, releases, metrics, timeProvider, logger);
        metrics.ObserveCluster(() => _connection.IsConnected);
    }

    public IUpstreamClaim<InvalidateMessage> Join(string userId, IClaimObserver<InvalidateMessage> observer) =>
        Join(ClusterStream.ForUser(userId), ClusterEnvelopeFormats.UserEvents, observer);

    public IUpstreamClaim<TranscriptEventMessage> Join(string key, IClaimObserver<TranscriptEventMessage> observer) =>
        Join(ClusterStream.ForTranscript(key), ClusterEnvelopeFormats.TranscriptEvents, observer);

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        await _connection.ConnectAsync(_connectionString, _options.NodeId, OnConnectionFailed, _heartbeat.Wake).ConfigureAwait(false);
        RedisUpstreamOwnershipLog.Started(_logger, _options.NodeId, _connection.IsConnected);
        await _heartbeat.StartAsync().ConfigureAwait(false);
    }

    /// <summary>Runs after the upstreams have let go (hosted services stop in reverse order): says goodbye.</summary>
    public async Task StopAsync(CancellationToken cancellationToken)
    {
        await _heartbeat.StopAsync().ConfigureAwait(false);
        await _maintenance.StopAsync().ConfigureAwait(false);
    }

    public async ValueTask DisposeAsync()
    {
        await _connection.DisposeAsync().ConfigureAwait(false);
        _heartbeat.Dispose();
    }

    private RedisStreamClaim<TMessage> Join<TMessage>(ClusterStream stream, ClusterEnvelopeFormat<TMessage> format, IClaimObserver<TMessage> observer)
        where TMessage : class
    {
        var holderId = $"{_options.NodeId}/{Interlocked.Increment(ref _claimSequence)}";
        var claim = new RedisStreamClaim<TMessage>(_cluster, stream, holderId, format, observer);
        _cluster.Enter(claim);
        claim.Start();
        return claim;
    }

    private void OnConnectionFailed(ConnectionFailedEventArgs failure)
    {
        if (failure.ConnectionType == ConnectionType.Subscription)
        {
            _maintenance.OnSubscriptionLost(failure.FailureType.ToString());
        }

        _heartbeat.Wake();
    }
}
