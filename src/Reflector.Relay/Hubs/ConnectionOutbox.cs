using Microsoft.AspNetCore.SignalR;

namespace Reflector.Relay.Hubs;

/// <summary>
/// Writes one browser connection's messages in order without making a sender wait. A message is written at once, on
/// the caller's thread, when nothing is queued before it and the connection takes it without waiting (the usual case);
/// otherwise it joins the connection's <see cref="OutboxBacklog"/> and a drain of this connection's own writes it, so a
/// connection that falls behind stalls only its own drain. Only a connection whose writes make no progress at all is
/// disconnected (<see cref="AbortIfStalled"/>).
/// </summary>
internal sealed class ConnectionOutbox
{
    private readonly HubConnectionContext _connection;
    private readonly OutboxPolicy _policy;

    private readonly Lock _lock = new();
    private readonly OutboxBacklog _backlog;
    private bool _writing;
    private bool _closed;
    private Task _drain = Task.CompletedTask;

    // When the write in flight started waiting for the transport (a TimeProvider timestamp); 0 while none waits.
    private long _waitingSince;

    public ConnectionOutbox(HubConnectionContext connection, OutboxPolicy policy)
    {
        _connection = connection;
        _policy = policy;
        _backlog = new OutboxBacklog(policy, connection.Protocol);
    }

    public string ConnectionId => _connection.ConnectionId;

    /// <summary>Bytes queued behind the write in flight.</summary>
    public long QueuedBytes
    {
        get
        {
            lock (_lock)
            {
                return _backlog.Bytes;
            }
        }
    }

    /// <summary>Whether a write is in flight or queued messages wait for one.</summary>
    public bool IsWriting
    {
        get
        {
            lock (_lock)
            {
                return _writing;
            }
        }
    }

    public void Enqueue(OutboundMessage message)
    {
        if (TakeWritesOrQueue(message, shared: false))
        {
            WriteNow(message.Message);
        }
    }

    /// <summary>
    /// Queues a transcript's history for this connection, in order, before anything enqueued after this call. The
    /// messages are shared with the stream's history, so they cost this connection nothing against its budget.
    /// </summary>
    public void EnqueueReplay(string transcriptId, IReadOnlyList<SerializedHubMessage> history)
    {
        foreach (var message in history)
        {
            if (TakeWritesOrQueue(new OutboundMessage(message, IsStatus: false, transcriptId), shared: true))
            {
                WriteNow(message);
            }
        }
    }

    /// <summary>Stops taking messages and waits for the write in flight, if any.</summary>
    public Task CompleteAsync()
    {
        lock (_lock)
        {
            _closed = true;
            _backlog.Clear();
            return _drain;
        }
    }

    /// <summary>
    /// Disconnects the connection when its write in flight has waited <paramref name="timeout"/> or longer: the
    /// client takes nothing at all (a frozen tab, a dead peer the TCP stack has not noticed yet).
    /// </summary>
    /// <returns><see langword="true"/> when the connection was disconnected.</returns>
    public bool AbortIfStalled(TimeSpan timeout)
    {
        var since = Volatile.Read(ref _waitingSince);
        if (since == 0 || _policy.TimeProvider.GetElapsedTime(since) < timeout)
        {
            return false;
        }

        lock (_lock)
        {
            if (_closed)
            {
                return false;
            }

            _closed = true;
            _backlog.Clear();
        }

        ConnectionOutboxLog.Stalled(_policy.Logger, _connection.ConnectionId, _connection.UserIdentifier, timeout);
        _connection.Abort();
        return true;
    }

    /// <returns><see langword="true"/> when nothing was being written: the caller now owns the writes and writes the message.</returns>
    private bool TakeWritesOrQueue(OutboundMessage message, bool shared)
    {
        lock (_lock)
        {
            if (_closed)
            {
                return false;
            }

            if (!_writing)
            {
                _writing = true;
                return true;
            }

            if (_backlog.TryAdd(message, shared))
            {
                return false;
            }
        }

        ConnectionOutboxLog.Overflowed(_policy.Logger, _connection.ConnectionId, _connection.UserIdentifier, _policy.MaxQueuedBytes);
        _policy.OnOverflow();
        return false;
    }

    private void WriteNow(SerializedHubMessage message)
    {
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
            if (_backlog.IsEmpty || _closed)
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
        if (!pending.IsCompleted)
        {
            Volatile.Write(ref _waitingSince, _policy.TimeProvider.GetTimestamp());
        }

        var drain = DrainAsync(pending);
        lock (_lock)
        {
            _drain = drain;
        }
    }

    private async Task DrainAsync(ValueTask pending)
    {
        // Completes when the transport has taken the bytes; a client that does not read holds it here.
        // After an abort it returns at once.
        await pending.ConfigureAwait(false);
        while (true)
        {
            Volatile.Write(ref _waitingSince, 0);
            SerializedHubMessage next;
            lock (_lock)
            {
                if (_closed || !_backlog.TryDequeue(out next))
                {
                    _writing = false;
                    return;
                }
            }

            var write = _connection.WriteAsync(next);
            if (!write.IsCompleted)
            {
                Volatile.Write(ref _waitingSince, _policy.TimeProvider.GetTimestamp());
            }

            await write.ConfigureAwait(false);
        }
    }
}
