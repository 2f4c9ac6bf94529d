using StackExchange.Redis;

namespace Reflector.Relay.Cluster;

/// <summary>
/// This relay's one connection to the cluster's Redis (a multiplexer: commands and pub/sub), set up for a relay that
/// must start and serve while Redis is away, and never act late on what it queued during an outage.
/// </summary>
internal sealed class ClusterConnection : IAsyncDisposable
{
    private ConnectionMultiplexer? _redis;

    public bool IsConnected => _redis?.IsConnected == true;

    /// <summary>The multiplexer once <see cref="ConnectAsync"/> ran; <see langword="null"/> before.</summary>
    public IConnectionMultiplexer? Multiplexer => _redis;

    public IDatabase Database => Connected.GetDatabase();

    public ISubscriber Subscriber => Connected.GetSubscriber();

    private ConnectionMultiplexer Connected => _redis ?? throw new InvalidOperationException("The cluster's Redis connection is not set up yet.");

    /// <summary>Connects, or goes on connecting in the background while Redis is unreachable.</summary>
    /// <param name="onFailed">A connection of the multiplexer (interactive or pub/sub) dropped.</param>
    /// <param name="onRestored">A connection of the multiplexer came back.</param>
    public async Task ConnectAsync(
        string connectionString,
        string clientName,
        Action<ConnectionFailedEventArgs> onFailed,
        Action onRestored)
    {
        var configuration = ConfigurationOptions.Parse(connectionString);
        // A relay starts and serves, node-local, while Redis is down; it joins the cluster once Redis answers.
        configuration.AbortOnConnectFail = false;
        // A renewal or claim queued during an outage and sent seconds later could act on a world that has moved on.
        configuration.BacklogPolicy = BacklogPolicy.FailFast;
        configuration.ReconnectRetryPolicy = new LinearRetry(500);
        configuration.ConnectTimeout = Math.Min(configuration.ConnectTimeout, 2000);
        configuration.AsyncTimeout = Math.Min(configuration.AsyncTimeout, 2000);
        configuration.SyncTimeout = Math.Min(configuration.SyncTimeout, 2000);
        configuration.KeepAlive = 1;
        configuration.ClientName ??= clientName;

        var redis = await ConnectionMultiplexer.ConnectAsync(configuration).ConfigureAwait(false);
        redis.ConnectionFailed += (_, failure) => onFailed(failure);
        redis.ConnectionRestored += (_, _) => onRestored();
        _redis = redis;
    }

    public async ValueTask DisposeAsync()
    {
        if (_redis is not null)
        {
            await _redis.DisposeAsync().ConfigureAwait(false);
        }
    }
}
