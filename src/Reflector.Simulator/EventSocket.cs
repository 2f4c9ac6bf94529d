using System.Diagnostics.CodeAnalysis;
using System.Net.WebSockets;
using System.Threading.Channels;

namespace Reflector.Simulator;

// One accepted client socket of either kind. Frames go through an ordered outbox drained by one writer, so a
// replay queued at registration reaches the client before any live event, and emits from many test threads
// at once reach it in the order they were queued. The send lock exists because a WebSocket allows one send at
// a time, and a server-side close or the answer to the client's close must not cut into a frame.
[SuppressMessage("Design", "CA1001", Justification = "Only WaitAsync is used, so the semaphore never allocates a wait handle; disposing it under a pending send would only turn that send into an ObjectDisposedException.")]
internal sealed class EventSocket
{
    private readonly WebSocket _socket;
    private readonly SemaphoreSlim _sendLock = new(1, 1);
    private readonly TaskCompletionSource _ended = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly Channel<Outgoing> _outbox;
    private readonly int? _outboxCapacity;
    private int _aborted;

    public EventSocket(string streamId, string? user, WebSocket socket, int? outboxCapacity)
    {
        StreamId = streamId;
        User = user;
        _socket = socket;
        _outboxCapacity = outboxCapacity;
        _outbox = outboxCapacity is { } capacity
            ? Channel.CreateBounded<Outgoing>(new BoundedChannelOptions(capacity) { SingleReader = true, FullMode = BoundedChannelFullMode.Wait })
            : Channel.CreateUnbounded<Outgoing>(new UnboundedChannelOptions { SingleReader = true });
    }

    // The user id on /v1/events, the transcript id on a transcript's socket.
    public string StreamId { get; }

    // The token's sub, or null for an anonymous client.
    public string? User { get; }

    public bool WasAborted => Volatile.Read(ref _aborted) == 1;

    // Completes once the connection's request has finished, so a drop can wait for the sockets it ended.
    public Task Ended => _ended.Task;

    public void MarkEnded() => _ended.TrySetResult();

    // Bounded, because a request stuck in the server must not hang a test that only wanted a drop.
    public static async Task WaitUntilEndedAsync(IEnumerable<EventSocket> sockets)
    {
        try
        {
            await Task.WhenAll(sockets.Select(socket => socket.Ended)).WaitAsync(TimeSpan.FromSeconds(5)).ConfigureAwait(false);
        }
        catch (TimeoutException)
        {
            // Counts were already updated when the sockets were aborted.
        }
    }

    // Never blocks: callers hold the hub's lock so that queue order is emit order. Returns false when the
    // socket is gone or its outbox is full; a full outbox also aborts the socket.
    public bool TryEnqueue(OutgoingFrame frame, TaskCompletionSource<bool>? sent)
    {
        if (_outbox.Writer.TryWrite(new Outgoing(frame, sent)))
        {
            return true;
        }

        // Only a bounded outbox can be full (an unbounded one refuses only once completed), and only it can count.
        if (_outboxCapacity is { } capacity && !WasAborted && _outbox.Reader.Count >= capacity)
        {
            Abort();
        }

        return false;
    }

    // Runs the writer beside the read loop until the client closes or the connection dies; returns the
    // client's close status, or null on a drop.
    public async Task<WebSocketCloseStatus?> RunAsync(CancellationToken cancellationToken)
    {
        using var writing = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var writer = WriteAsync(writing.Token);
        try
        {
            return await ReadUntilClosedAsync(cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            // Frames still queued are reported unsent; the writer is awaited so nothing outlives the request.
            _outbox.Writer.TryComplete();
            await writing.CancelAsync().ConfigureAwait(false);
            await writer.ConfigureAwait(false);
        }
    }

    // Starts a server-side close with the given code, as Reflector would to end a session; the read loop
    // then sees the client's answering close frame.
    public async Task<bool> TryCloseAsync(WebSocketCloseStatus status, CancellationToken cancellationToken)
    {
        await _sendLock.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            if (_socket.State != WebSocketState.Open)
            {
                return false;
            }

            await _socket.CloseOutputAsync(status, null, cancellationToken).ConfigureAwait(false);
            return true;
        }
        catch (Exception ex) when (IsConnectionGone(ex) && !cancellationToken.IsCancellationRequested)
        {
            return false;
        }
        finally
        {
            _sendLock.Release();
        }
    }

    // Ends the connection without a close frame, which is what a client sees when Reflector restarts.
    public void Abort()
    {
        if (Interlocked.Exchange(ref _aborted, 1) == 0)
        {
            _socket.Abort();
        }
    }

    // Reads (and discards) until the client closes or the connection dies; reading is what lets the
    // socket answer pings and see the close frame.
    private async Task<WebSocketCloseStatus?> ReadUntilClosedAsync(CancellationToken cancellationToken)
    {
        var buffer = new byte[1024];
        while (true)
        {
            ValueWebSocketReceiveResult received;
            try
            {
                received = await _socket.ReceiveAsync(buffer.AsMemory(), cancellationToken).ConfigureAwait(false);
            }
            catch (Exception ex) when (IsConnectionGone(ex))
            {
                return null;
            }

            if (received.MessageType == WebSocketMessageType.Close)
            {
                var status = _socket.CloseStatus;
                await ReplyToCloseAsync(status ?? WebSocketCloseStatus.Empty, cancellationToken).ConfigureAwait(false);
                return status;
            }
        }
    }

    private async Task WriteAsync(CancellationToken cancellationToken)
    {
        var reader = _outbox.Reader;
        Outgoing current = default;
        try
        {
            while (await reader.WaitToReadAsync(cancellationToken).ConfigureAwait(false))
            {
                while (reader.TryRead(out current))
                {
                    var reached = await TrySendAsync(current.Frame, cancellationToken).ConfigureAwait(false);
                    current.Sent?.TrySetResult(reached);
                    current = default;
                }
            }
        }
        catch (Exception ex) when (IsConnectionGone(ex))
        {
            // The socket ended; whatever is left is drained below.
        }
        finally
        {
            current.Sent?.TrySetResult(false);
            _outbox.Writer.TryComplete();
            while (reader.TryRead(out var item))
            {
                item.Sent?.TrySetResult(false);
            }
        }
    }

    private async Task<bool> TrySendAsync(OutgoingFrame frame, CancellationToken cancellationToken)
    {
        if (_socket.State != WebSocketState.Open)
        {
            return false;
        }

        await _sendLock.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            if (_socket.State != WebSocketState.Open)
            {
                return false;
            }

            // One frame normally; several continuation frames when a test asks for fragmentation.
            var payload = frame.Payload.AsMemory();
            var size = frame.FragmentSize is > 0 ? frame.FragmentSize.Value : Math.Max(payload.Length, 1);
            var offset = 0;
            do
            {
                var length = Math.Min(size, payload.Length - offset);
                var last = offset + length >= payload.Length;
                await _socket.SendAsync(payload.Slice(offset, length), frame.Type, endOfMessage: last, cancellationToken).ConfigureAwait(false);
                offset += length;
            }
            while (offset < payload.Length);

            return true;
        }
        catch (Exception ex) when (IsConnectionGone(ex) && !cancellationToken.IsCancellationRequested)
        {
            return false;
        }
        finally
        {
            _sendLock.Release();
        }
    }

    private async Task ReplyToCloseAsync(WebSocketCloseStatus status, CancellationToken cancellationToken)
    {
        try
        {
            await _sendLock.WaitAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            return;
        }

        try
        {
            // Echo the client's code, as Reflector's server does; an empty close frame must stay empty.
            var description = status == WebSocketCloseStatus.Empty ? null : _socket.CloseStatusDescription;
            if (_socket.State == WebSocketState.CloseReceived)
            {
                await _socket.CloseOutputAsync(status, description, cancellationToken).ConfigureAwait(false);
            }
        }
        catch (Exception ex) when (IsConnectionGone(ex))
        {
            // The client already has its answer or is gone; either way the close status is known.
        }
        finally
        {
            _sendLock.Release();
        }
    }

    private static bool IsConnectionGone(Exception ex) =>
        ex is WebSocketException or OperationCanceledException or ObjectDisposedException or InvalidOperationException or IOException;

    private readonly record struct Outgoing(OutgoingFrame Frame, TaskCompletionSource<bool>? Sent);
}

// A frame as a test may send it: text normally, binary or split into continuation frames of FragmentSize bytes when asked.
internal readonly record struct OutgoingFrame(byte[] Payload, WebSocketMessageType Type, int? FragmentSize = null)
{
    public static OutgoingFrame Text(byte[] payload) => new(payload, WebSocketMessageType.Text);
}
