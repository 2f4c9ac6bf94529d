using Reflector.Relay.Logging;
using Microsoft.AspNetCore.SignalR;

namespace Reflector.Relay.Hubs;

/// <summary>
/// The messages waiting for one browser connection. A message is written at once, on the caller's thread, when
/// nothing is queued before it and the connection takes it without waiting (the usual case); otherwise it queues
/// behind the others and a drain of this connection's own writes it. A connection that falls behind stalls only
/// its own drain. Its backlog is budgeted in bytes: past the budget the queued invalidations collapse into one
/// <c>resync</c>, the queued events of each transcript into that transcript's <c>resync</c> (the newest status is
/// kept), and the connection goes on with live messages. Only a connection whose writes make no progress at all is
/// disconnected (<see cref="AbortIfStalled"/>).
/// </summary>
internal sealed partial class ConnectionOutbox
{
    private readonly HubConnectionContext _connection;
    private readonly OutboxPolicy _policy;

    private readonly Lock _lock = new();
    private readonly Queue<Queued> _queue = new();
    private long _queuedBytes;
    private bool _writing;
    private bool _closed;
    private Task _drain = Task.CompletedTask;

    // When the write in flight started waiting for the transport (a TimeProvider timestamp); 0 while none waits.
    private long _waitingSince;

    public ConnectionOutbox(HubConnectionContext connection, OutboxPolicy policy)
    {
        _connection = connection;
        _policy = policy;
    }

    public string ConnectionId => _connection.ConnectionId;

    /// <summary>Bytes queued behind the write in flight.</summary>
    public long QueuedBytes
    {
        get
        {
            lock (_lock)
            {
                return _queuedBytes;
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

    /// <param name="isStatus">An <c>upstreamStatus</c> snapshot: the newest one survives an overflow.</param>
    /// <param name="transcriptId">The transcript of a <c>transcriptEvent</c>: if dropped, that transcript gets a <c>resync</c>.</param>
    public void Enqueue(SerializedHubMessage message, bool isStatus, string? transcriptId = null)
    {
        if (TakeWritesOrQueue(message, isStatus, transcriptId, replay: false))
        {
            WriteNow(message);
        }
    }

    /// <summary>
    /// Queues a transcript's history for this connection, in order. The messages are shared with the stream's history,
    /// so they cost this connection nothing against its budget; they go with the rest if the connection overflows.
    /// </summary>
    public void EnqueueReplay(string transcriptId, IReadOnlyList<SerializedHubMessage> history)
    {
        foreach (var message in history)
        {
            if (TakeWritesOrQueue(message, isStatus: false, transcriptId, replay: true))
            {
                WriteNow(message);
            }
        }
    }

    /// <returns><see langword="true"/> when nothing was being written: the caller now owns the writes and writes the message.</returns>
    private bool TakeWritesOrQueue(SerializedHubMessage message, bool isStatus, string? transcriptId, bool replay)
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

            var queued = new Queued(message, isStatus, replay ? 0 : SizeOf(message), transcriptId);
            if (_queuedBytes + queued.Bytes <= _policy.MaxQueuedBytes)
            {
                Add(queued);
                return false;
            }

            CollapseLocked(queued);
        }

        Log.Overflowed(_policy.Logger, _connection.ConnectionId, _connection.UserIdentifier, _policy.MaxQueuedBytes);
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
            if (_queue.Count == 0 || _closed)
            {
                _writing = false;
                return;
            }
        }

        // Others queued behind this write meanwhile.
        StartDrain(default);
    }

    /// <summary>Stops taking messages and waits for the write in flight, if any.</summary>
    public Task CompleteAsync()
    {
        lock (_lock)
        {
            _closed = true;
            ClearLocked();
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
            ClearLocked();
        }

        Log.Stalled(_policy.Logger, _connection.ConnectionId, _connection.UserIdentifier, timeout);
        _connection.Abort();
        return true;
    }

    private int SizeOf(SerializedHubMessage message) =>
        // Serialized once per protocol and cached by the message, so measuring it costs nothing later writes repeat.
        message.GetSerializedMessage(_connection.Protocol).Length;

    private void Add(Queued queued)
    {
        _queue.Enqueue(queued);
        _queuedBytes += queued.Bytes;
    }

    private void ClearLocked()
    {
        _queue.Clear();
        _queuedBytes = 0;
    }

    /// <summary>
    /// Replaces the backlog and <paramref name="incoming"/> with what stands for them: one overflow <c>resync</c> if any
    /// invalidation went, one per transcript whose events went, and the newest status snapshot, if any.
    /// </summary>
    private void CollapseLocked(Queued incoming)
    {
        Queued? newestStatus = null;
        var invalidationsDropped = false;
        List<string>? transcriptsDropped = null;
        foreach (var queued in _queue.Append(incoming))
        {
            if (queued.IsStatus)
            {
                newestStatus = queued;
            }
            else if (queued.TranscriptId is { } transcriptId)
            {
                transcriptsDropped ??= [];
                if (!transcriptsDropped.Contains(transcriptId))
                {
                    transcriptsDropped.Add(transcriptId);
                }
            }
            else
            {
                invalidationsDropped = true;
            }
        }

        ClearLocked();
        if (invalidationsDropped)
        {
            Add(new Queued(_policy.OverflowResync, IsStatus: false, SizeOf(_policy.OverflowResync), TranscriptId: null));
        }

        foreach (var transcriptId in transcriptsDropped ?? [])
        {
            var resync = _policy.TranscriptOverflowResync(transcriptId);
            Add(new Queued(resync, IsStatus: false, SizeOf(resync), transcriptId));
        }

        if (newestStatus is { } status)
        {
            Add(status);
        }
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
            Queued next;
            lock (_lock)
            {
                if (_closed || !_queue.TryDequeue(out next))
                {
                    _writing = false;
                    return;
                }

                _queuedBytes -= next.Bytes;
            }

            var write = _connection.WriteAsync(next.Message);
            if (!write.IsCompleted)
            {
                Volatile.Write(ref _waitingSince, _policy.TimeProvider.GetTimestamp());
            }

            await write.ConfigureAwait(false);
        }
    }

    private readonly record struct Queued(SerializedHubMessage Message, bool IsStatus, int Bytes, string? TranscriptId);

    private static partial class Log
    {
        [LoggerMessage(LogEventIds.Hubs.Overflowed, LogLevel.Warning,
            "Connection {ConnectionId} of user {UserId} fell more than {MaxQueuedBytes} bytes behind; its backlog was replaced by resyncs")]
        public static partial void Overflowed(ILogger logger, string connectionId, string? userId, long maxQueuedBytes);

        [LoggerMessage(LogEventIds.Hubs.Stalled, LogLevel.Warning,
            "Connection {ConnectionId} of user {UserId} took nothing for {Timeout}; disconnecting it")]
        public static partial void Stalled(ILogger logger, string connectionId, string? userId, TimeSpan timeout);
    }
}

/// <summary>What every outbox of the process shares: its budget, the overflow message, time and logging.</summary>
internal sealed record OutboxPolicy(
    long MaxQueuedBytes,
    SerializedHubMessage OverflowResync,
    Func<string, SerializedHubMessage> TranscriptOverflowResync,
    TimeProvider TimeProvider,
    ILogger Logger,
    Action OnOverflow);
