using System.Buffers;
using System.Net.WebSockets;

namespace Reflector.Relay.Upstream;

/// <summary>
/// Reads whole messages from one upstream socket into a pooled buffer that grows with a large message, up to the
/// limit, and shrinks back once it has been handled: one long frame must not pin a large buffer for the rest of
/// the socket's life. A message past the limit is read to its end and discarded, never buffered.
/// </summary>
internal sealed class UpstreamMessageReader : IDisposable
{
    public const int InitialBufferSize = 4 * 1024;

    private readonly int _maxMessageBytes;
    private byte[] _buffer;

    public UpstreamMessageReader(int maxMessageBytes)
    {
        _maxMessageBytes = maxMessageBytes;
        _buffer = ArrayPool<byte>.Shared.Rent(Math.Min(InitialBufferSize, maxMessageBytes));
    }

    /// <summary>The buffer held between messages (the pool may round the size up).</summary>
    public int BufferSize => _buffer.Length;

    /// <summary>
    /// The next whole message. Its <see cref="UpstreamMessage.Payload"/> stays valid until the next call.
    /// </summary>
    public async ValueTask<UpstreamMessage> ReadAsync(WebSocket socket, CancellationToken cancellationToken)
    {
        ShrinkAfterLargeMessage();
        var length = 0;
        var oversized = false;
        while (true)
        {
            var capacity = Math.Min(_buffer.Length, _maxMessageBytes);
            if (length == capacity && !oversized)
            {
                if (capacity == _maxMessageBytes)
                {
                    // Past the limit: read the rest of the frame into the same buffer and discard it.
                    oversized = true;
                }
                else
                {
                    Grow(length);
                    capacity = Math.Min(_buffer.Length, _maxMessageBytes);
                }
            }

            var target = oversized ? _buffer.AsMemory(0, capacity) : _buffer.AsMemory(length, capacity - length);
            var result = await socket.ReceiveAsync(target, cancellationToken).ConfigureAwait(false);
            if (result.MessageType == WebSocketMessageType.Close)
            {
                return new UpstreamMessage(UpstreamMessageKind.Close, default);
            }

            if (!oversized)
            {
                length += result.Count;
            }

            if (!result.EndOfMessage)
            {
                continue;
            }

            return oversized ? new UpstreamMessage(UpstreamMessageKind.TooLarge, default)
                : result.MessageType == WebSocketMessageType.Binary ? new UpstreamMessage(UpstreamMessageKind.Binary, default)
                : new UpstreamMessage(UpstreamMessageKind.Text, _buffer.AsMemory(0, length));
        }
    }

    private void Grow(int length)
    {
        var larger = ArrayPool<byte>.Shared.Rent(Math.Min(_buffer.Length * 2, _maxMessageBytes));
        _buffer.AsSpan(0, length).CopyTo(larger);
        ArrayPool<byte>.Shared.Return(_buffer);
        _buffer = larger;
    }

    private void ShrinkAfterLargeMessage()
    {
        if (_buffer.Length > InitialBufferSize)
        {
            ArrayPool<byte>.Shared.Return(_buffer);
            _buffer = ArrayPool<byte>.Shared.Rent(Math.Min(InitialBufferSize, _maxMessageBytes));
        }
    }

    public void Dispose() => ArrayPool<byte>.Shared.Return(_buffer);
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
