using System.Threading.Channels;
using Microsoft.AspNetCore.SignalR;

namespace Reflector.Relay.Hubs;

/// <summary>
/// The messages waiting for one browser connection, written by a pump of its own. A connection that stops
/// reading stalls only its own pump; when its queue is full it is disconnected, and nobody else waits for it.
/// </summary>
internal sealed partial class ConnectionOutbox
{
    private readonly HubConnectionContext _connection;
    private readonly Channel<SerializedHubMessage> _queue;
    private readonly ILogger _logger;
    private readonly Action _onOverflow;
    private readonly Task _pump;

    public ConnectionOutbox(HubConnectionContext connection, int capacity, ILogger logger, Action onOverflow)
    {
        _connection = connection;
        _logger = logger;
        _onOverflow = onOverflow;
        _queue = Channel.CreateBounded<SerializedHubMessage>(new BoundedChannelOptions(capacity)
        {
            SingleReader = true,
            FullMode = BoundedChannelFullMode.Wait,
        });
        _pump = PumpAsync();
    }

    public string ConnectionId => _connection.ConnectionId;

    public void Enqueue(SerializedHubMessage message)
    {
        if (_queue.Writer.TryWrite(message) || !_queue.Writer.TryComplete())
        {
            return;
        }

        Log.Overflowed(_logger, _connection.ConnectionId, _connection.UserIdentifier);
        _onOverflow();
        _connection.Abort();
    }

    /// <summary>Stops taking messages and waits until the ones queued are written or dropped with the connection.</summary>
    public Task CompleteAsync()
    {
        _queue.Writer.TryComplete();
        return _pump;
    }

    private async Task PumpAsync()
    {
        await foreach (var message in _queue.Reader.ReadAllAsync().ConfigureAwait(false))
        {
            // Completes when the transport has taken the bytes; a client that does not read holds it here.
            // After an abort it returns at once, so the rest of the queue drains without waiting.
            await _connection.WriteAsync(message).ConfigureAwait(false);
        }
    }

    private static partial class Log
    {
        [LoggerMessage(400, LogLevel.Warning,
            "Connection {ConnectionId} of user {UserId} stopped reading and its queue is full; disconnecting it")]
        public static partial void Overflowed(ILogger logger, string connectionId, string? userId);
    }
}
