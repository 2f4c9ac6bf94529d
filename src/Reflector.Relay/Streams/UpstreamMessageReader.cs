using System.Buffers;
using System.Net.WebSockets;
using System.Runtime.CompilerServices;

namespace Reflector.Relay.Streams;

/// <summary>
/// Reads whole messages from one upstream socket. Most upstream sockets are quiet most of the time, so a socket
/// between messages holds no buffer: the reader waits for the next frame with a zero-byte read, then rents one
/// (growing with a large message, up to the limit) and returns it to the pool once the message has been handled,
/// at the next read. A message past the limit is read to its end and discarded, never buffered.
/// </summary>
internal sealed class UpstreamMessageReader : IDisposable
{
    public const int InitialBufferSize = 4 * 1024;

    private readonly int _maxMessageBytes;
    private byte[]? _buffer;

    public UpstreamMessageReader(int maxMessageBytes) => _maxMessageBytes = maxMessageBytes;

    /// <summary>The buffer held for the message last read (the pool may round the size up); 0 while none is.</summary>
    public int BufferSize => _buffer?.Length ?? 0;

    /// <summary>
    /// The next whole message. Its <see cref="UpstreamMessage.Payload"/> stays valid until the next call, which
    /// returns the buffer to the shared pool: from then on it may hold another socket's message, so a payload is
    /// never kept past the call that handles it.
    /// </summary>
    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder<>))]
    public async ValueTask<UpstreamMessage> ReadAsync(WebSocket socket, CancellationToken cancellationToken)
    {
        ReturnBuffer();
        var next = await socket.ReceiveAsync(Memory<byte>.Empty, cancellationToken).ConfigureAwait(false);
        if (next.MessageType == WebSocketMessageType.Close)
        {
            return new UpstreamMessage(UpstreamMessageKind.Close, default);
        }

        if (next.EndOfMessage)
        {
            return Whole(next.MessageType, ReadOnlyMemory<byte>.Empty);
        }

        var buffer = _buffer = ArrayPool<byte>.Shared.Rent(Math.Min(InitialBufferSize, _maxMessageBytes));
        var length = 0;
        var oversized = false;
        while (true)
        {
            var capacity = Math.Min(buffer.Length, _maxMessageBytes);
            if (length == capacity && !oversized)
            {
                if (capacity == _maxMessageBytes)
                {
                    // Past the limit: read the rest of the frame into the same buffer and discard it.
                    oversized = true;
                }
                else
                {
                    buffer = Grow(length);
                    capacity = Math.Min(buffer.Length, _maxMessageBytes);
                }
            }

            var target = oversized ? buffer.AsMemory(0, capacity) : buffer.AsMemory(length, capacity - length);
            var result = await socket.ReceiveAsync(target, cancellationToken).ConfigureAwait(false);
            if (result.MessageType == WebSocketMessageType.Close)
            {
                return new UpstreamMessage(UpstreamMessageKind.Close, default);
            }

            if (!oversized)
            {
                length += result.Count;
            }

            if (result.EndOfMessage)
            {
                return oversized
                    ? new UpstreamMessage(UpstreamMessageKind.TooLarge, default)
                    : Whole(result.MessageType, buffer.AsMemory(0, length));
            }
        }
    }

    private static UpstreamMessage Whole(WebSocketMessageType type, ReadOnlyMemory<byte> payload) =>
        type == WebSocketMessageType.Binary
            ? new UpstreamMessage(UpstreamMessageKind.Binary, default)
            : new UpstreamMessage(UpstreamMessageKind.Text, payload);

    private byte[] Grow(int length)
    {
        var larger = ArrayPool<byte>.Shared.Rent(Math.Min(_buffer!.Length * 2, _maxMessageBytes));
        _buffer.AsSpan(0, length).CopyTo(larger);
        ArrayPool<byte>.Shared.Return(_buffer);
        return _buffer = larger;
    }

    private void ReturnBuffer()
    {
        if (_buffer is { } buffer)
        {
            _buffer = null;
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    public void Dispose() => ReturnBuffer();
}

internal enum UpstreamMessageKind
{
    /// <summary>A whole text message within the limit.</summary>
    Text,

    /// <summary>A binary message: Reflector sends none.</summary>
    Binary,

    /// <summary>A message past <c>Upstream:MaxMessageBytes</c>, read and discarded.</summary>
    TooLarge,

    /// <summary>The peer's close frame.</summary>
    Close,
}

internal readonly record struct UpstreamMessage(UpstreamMessageKind Kind, ReadOnlyMemory<byte> Payload);
