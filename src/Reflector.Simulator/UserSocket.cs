using System.Diagnostics.CodeAnalysis;
using System.Net.WebSockets;

namespace Reflector.Simulator;

// One accepted client socket. The sender lock exists because a WebSocket allows only one send at a time,
// and emits for the same user arrive from many test threads at once.
[SuppressMessage("Design", "CA1001", Justification = "Only WaitAsync is used, so the semaphore never allocates a wait handle; disposing it under a pending emit would only turn that emit into an ObjectDisposedException.")]
internal sealed class UserSocket
{
    private readonly WebSocket _socket;
    private readonly SemaphoreSlim _sendLock = new(1, 1);
    private readonly TaskCompletionSource _ended = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private int _aborted;

    public UserSocket(string userId, WebSocket socket)
    {
        UserId = userId;
        _socket = socket;
    }

    public string UserId { get; }

    public bool WasAborted => Volatile.Read(ref _aborted) == 1;

    // Completes once the connection's request has finished, so a drop can wait for the sockets it ended.
    public Task Ended => _ended.Task;

    public void MarkEnded() => _ended.TrySetResult();

    // Reads (and discards) until the client closes or the connection dies; reading is what lets the
    // socket answer pings and see the close frame. Returns the client's close status, or null on a drop.
    public async Task<WebSocketCloseStatus?> ReadUntilClosedAsync(CancellationToken cancellationToken)
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

    public async Task<bool> TrySendAsync(ReadOnlyMemory<byte> payload, WebSocketMessageType type, CancellationToken cancellationToken, int? fragmentSize = null)
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
            var size = fragmentSize is > 0 ? fragmentSize.Value : Math.Max(payload.Length, 1);
            var offset = 0;
            do
            {
                var length = Math.Min(size, payload.Length - offset);
                var last = offset + length >= payload.Length;
                await _socket.SendAsync(payload.Slice(offset, length), type, endOfMessage: last, cancellationToken).ConfigureAwait(false);
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

    // Ends the connection without a close frame, which is what a client sees when Reflector restarts.
    public void Abort()
    {
        if (Interlocked.Exchange(ref _aborted, 1) == 0)
        {
            _socket.Abort();
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
}
