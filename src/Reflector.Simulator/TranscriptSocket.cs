using System.Net.WebSockets;
using System.Threading.Channels;

namespace Reflector.Simulator;

// One accepted per-transcript socket. Frames go through an ordered outbox drained by one writer, so the
// replay queued at registration always reaches the client before any live event emitted after it.
// The outbox is bounded (a whole replay plus LiveBacklog live frames): a client that falls that far behind
// is cut off, as a network cut would.
internal sealed class TranscriptSocket
{
    public const int LiveBacklog = 65_536;

    private readonly UserSocket _socket;
    private readonly Channel<Outgoing> _outbox;
    private readonly int _capacity;

    public TranscriptSocket(string transcriptId, string? user, WebSocket socket, int maxReplay)
    {
        TranscriptId = transcriptId;
        User = user;
        _socket = new UserSocket(user ?? string.Empty, socket);
        _capacity = maxReplay + LiveBacklog;
        _outbox = Channel.CreateBounded<Outgoing>(
            new BoundedChannelOptions(_capacity) { SingleReader = true, FullMode = BoundedChannelFullMode.Wait });
    }

    public string TranscriptId { get; }

    // The token's sub, or null for an anonymous client.
    public string? User { get; }

    public bool WasAborted => _socket.WasAborted;

    public Task Ended => _socket.Ended;

    public void MarkEnded() => _socket.MarkEnded();

    public void Abort() => _socket.Abort();

    // Never blocks: callers hold the hub's lock so that queue order is emit order. Returns false when the
    // socket is gone or its outbox is full; a full outbox also aborts the socket.
    public bool TryEnqueue(byte[] frame, TaskCompletionSource<bool>? sent)
    {
        if (_outbox.Writer.TryWrite(new Outgoing(frame, sent)))
        {
            return true;
        }

        if (!_socket.WasAborted && _outbox.Reader.Count >= _capacity)
        {
            _socket.Abort();
        }

        return false;
    }

    // Runs the writer beside the read loop; returns the client's close status, or null on a drop.
    public async Task<WebSocketCloseStatus?> RunAsync(CancellationToken cancellationToken)
    {
        using var writing = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var writer = WriteAsync(writing.Token);
        try
        {
            return await _socket.ReadUntilClosedAsync(cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            // Frames still queued are reported unsent; the writer is awaited so nothing outlives the request.
            _outbox.Writer.TryComplete();
            await writing.CancelAsync().ConfigureAwait(false);
            await writer.ConfigureAwait(false);
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
                    var reached = await _socket.TrySendAsync(current.Frame, WebSocketMessageType.Text, cancellationToken).ConfigureAwait(false);
                    current.Sent?.TrySetResult(reached);
                    current = default;
                }
            }
        }
        catch (Exception ex) when (ex is OperationCanceledException or WebSocketException or ObjectDisposedException or InvalidOperationException or IOException)
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

    private readonly record struct Outgoing(byte[] Frame, TaskCompletionSource<bool>? Sent);
}
