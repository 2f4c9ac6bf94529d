using Microsoft.AspNetCore.SignalR;

namespace Reflector.Relay.Hubs;

/// <summary>
/// The messages waiting for one browser connection. A message is written at once, on the caller's thread, when
/// nothing is queued before it and the connection takes it without waiting (the usual case); otherwise it queues
/// behind the others and a drain of this connection's own writes it. A connection that stops reading stalls only
/// its own drain; when its queue is full it is disconnected, and nobody else waits for it.
/// </summary>
internal sealed partial class ConnectionOutbox
{
    private readonly HubConnectionContext _connection;
    private readonly int _capacity;
    private readonly ILogger _logger;
    private readonly Action _onOverflow;

    private readonly Lock _lock = new();
    private readonly Queue<SerializedHubMessage> _queue = new();
    private bool _writing;
    private bool _closed;
    private Task _drain = Task.CompletedTask;

    public ConnectionOutbox(HubConnectionContext connection, int capacity, ILogger logger, Action onOverflow)
    {
        _connection = connection;
        _capacity = capacity;
        _logger = logger;
        _onOverflow = onOverflow;
    }

    public string ConnectionId => _connection.ConnectionId;

    public void Enqueue(SerializedHubMessage message)
    {
        var overflowed = false;
        lock (_lock)
        {
            if (_closed)
            {
                return;
            }

            if (_writing)
            {
                if (_queue.Count < _capacity)
                {
                    _queue.Enqueue(message);
                    return;
                }

                _closed = true;
                _queue.Clear();
                overflowed = true;
            }
            else
            {
                _writing = true;
            }
        }

        if (overflowed)
        {
            Log.Overflowed(_logger, _connection.ConnectionId, _connection.UserIdentifier);
            _onOverflow();
            _connection.Abort();
            return;
        }

        // This caller owns the connection's writes until it hands them back.
        var write = _connection.WriteAsync(message);
        if (!write.IsCompletedSuccessfully)
        {
            StartDrain(write);
            return;
        }

        write.GetAwaiter().GetResult();
        lock (_lock)
        {
            if (_queue.Count == 0 || _closed)
            {
                _writing = false;
                return;
            }
        }

        // Others queued behind this write meanwhile.
        StartDrain(default);
    }

    private void StartDrain(ValueTask pending)
    {
        var drain = DrainAsync(pending);
        lock (_lock)
        {
            _drain = drain;
        }
    }

    /// <summary>Stops taking messages and waits for the write in flight, if any.</summary>
    public Task CompleteAsync()
    {
        lock (_lock)
        {
            _closed = true;
            _queue.Clear();
            return _drain;
        }
    }

    private async Task DrainAsync(ValueTask pending)
    {
        // Completes when the transport has taken the bytes; a client that does not read holds it here.
        // After an abort it returns at once.
        await pending.ConfigureAwait(false);
        while (true)
        {
            SerializedHubMessage next;
            lock (_lock)
            {
                if (_closed || !_queue.TryDequeue(out next!))
                {
                    _writing = false;
                    return;
                }
            }

            await _connection.WriteAsync(next).ConfigureAwait(false);
        }
    }

    private static partial class Log
    {
        [LoggerMessage(400, LogLevel.Warning,
            "Connection {ConnectionId} of user {UserId} stopped reading and its queue is full; disconnecting it")]
        public static partial void Overflowed(ILogger logger, string connectionId, string? userId);
    }
}
