using System.Net.WebSockets;
using System.Text;
using System.Text.Json;
using MessagePack;

namespace Reflector.Relay.Bench.Clients;

/// <summary>
/// One browser tab on a transcript page: for <c>direct</c> and <c>yarp</c> its own WebSocket to
/// <c>/v1/transcripts/{id}/events</c> offering <c>bearer</c> and the token, as Reflector's frontend does; for
/// the relay a SignalR connection (its wire protocol spoken by hand, as <see cref="Tab"/> does) that calls
/// <c>SubscribeTranscript</c> and reads <c>transcriptEvent</c>.
/// </summary>
internal sealed class TranscriptTab : IAsyncDisposable
{
    private const byte RecordSeparator = 0x1e;
    private static readonly byte[] JsonPing = "{\"type\":6}\u001e"u8.ToArray();
    private static readonly byte[] MessagePackPing = [0x02, 0x91, 0x06];

    private readonly ClientWebSocket _socket = new();
    private readonly TabProtocol _protocol;
    private readonly ITranscriptListener _listener;
    private readonly TaskCompletionSource<string?> _subscribed = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private byte[] _buffer = new byte[8192];
    private int _length;
    private Task _receiving = Task.CompletedTask;

    private TranscriptTab(int index, TabProtocol protocol, ITranscriptListener listener)
    {
        Index = index;
        _protocol = protocol;
        _listener = listener;
    }

    public int Index { get; }

    public bool IsOpen => _socket.State == WebSocketState.Open;

    /// <summary>
    /// Connects and, for the relay, subscribes: returns once the relay has answered <c>SubscribeTranscript</c>
    /// (its history queued before the answer), or once Reflector accepted the socket.
    /// </summary>
    /// <param name="url">The transcript's own events URL, or the relay's hub.</param>
    public static async Task<TranscriptTab> ConnectAsync(
        int index, TabProtocol protocol, Uri url, string transcriptId, string token, HttpMessageInvoker invoker,
        ITranscriptListener listener, TimeSpan subscribeTimeout, CancellationToken cancellationToken)
    {
        var tab = new TranscriptTab(index, protocol, listener);
        try
        {
            if (protocol == TabProtocol.ReflectorEvents)
            {
                tab._socket.Options.AddSubProtocol("bearer");
                tab._socket.Options.AddSubProtocol(token);
            }
            else
            {
                tab._socket.Options.SetRequestHeader("Authorization", "Bearer " + token);
            }

            await tab._socket.ConnectAsync(url, invoker, cancellationToken);
            if (!protocol.IsRelay())
            {
                tab._receiving = Task.Run(tab.ReceiveAsync, CancellationToken.None);
                return tab;
            }

            var json = protocol == TabProtocol.SignalRJson;
            await tab.SendTextAsync($"{{\"protocol\":\"{(json ? "json" : "messagepack")}\",\"version\":1}}\u001e", cancellationToken);
            await tab.ReadHandshakeAsync(cancellationToken);
            tab._receiving = Task.Run(tab.ReceiveAsync, CancellationToken.None);
            await tab.SubscribeAsync(transcriptId, cancellationToken);
            if (await tab._subscribed.Task.WaitAsync(subscribeTimeout, cancellationToken) is { } refusal)
            {
                throw new InvalidOperationException($"SubscribeTranscript failed: {refusal}");
            }

            return tab;
        }
        catch
        {
            await tab.DisposeAsync();
            throw;
        }
    }

    public async Task PingAsync(CancellationToken cancellationToken)
    {
        if (_protocol.IsRelay() && IsOpen)
        {
            try
            {
                var json = _protocol == TabProtocol.SignalRJson;
                await _socket.SendAsync(json ? JsonPing : MessagePackPing, json ? WebSocketMessageType.Text : WebSocketMessageType.Binary, true, cancellationToken);
            }
            catch (Exception exception) when (exception is WebSocketException or ObjectDisposedException or InvalidOperationException)
            {
                // Closed under us; the receive loop has seen it.
            }
        }
    }

    private Task SubscribeAsync(string transcriptId, CancellationToken cancellationToken)
    {
        if (_protocol == TabProtocol.SignalRJson)
        {
            var id = JsonSerializer.Serialize(transcriptId);
            return SendTextAsync($"{{\"type\":1,\"invocationId\":\"1\",\"target\":\"SubscribeTranscript\",\"arguments\":[{id}]}}\u001e", cancellationToken);
        }

        // [1, {}, "1", "SubscribeTranscript", [id], []] with its varint length prefix.
        var body = new System.Buffers.ArrayBufferWriter<byte>();
        var writer = new MessagePackWriter(body);
        writer.WriteArrayHeader(6);
        writer.Write(1);
        writer.WriteMapHeader(0);
        writer.Write("1");
        writer.Write("SubscribeTranscript");
        writer.WriteArrayHeader(1);
        writer.Write(transcriptId);
        writer.WriteArrayHeader(0);
        writer.Flush();
        var message = new List<byte>();
        for (var size = (uint)body.WrittenCount; ; size >>= 7)
        {
            message.Add((byte)((size & 0x7fu) | (size > 0x7fu ? 0x80u : 0u)));
            if (size <= 0x7f)
            {
                break;
            }
        }

        message.AddRange(body.WrittenSpan);
        return _socket.SendAsync(message.ToArray(), WebSocketMessageType.Binary, true, cancellationToken);
    }

    private Task SendTextAsync(string text, CancellationToken cancellationToken) =>
        _socket.SendAsync(Encoding.UTF8.GetBytes(text), WebSocketMessageType.Text, true, cancellationToken);

    private async Task ReadHandshakeAsync(CancellationToken cancellationToken)
    {
        while (Array.IndexOf(_buffer, RecordSeparator, 0, _length) is var end && end < 0)
        {
            if ((await ReceiveChunkAsync(cancellationToken)).MessageType == WebSocketMessageType.Close)
            {
                throw new HandshakeRefusedException($"closed during the handshake ({_socket.CloseStatus})");
            }
        }

        var separator = Array.IndexOf(_buffer, RecordSeparator, 0, _length);
        using (var response = JsonDocument.Parse(_buffer.AsMemory(0, separator)))
        {
            if (response.RootElement.TryGetProperty("error", out var error))
            {
                throw new HandshakeRefusedException(error.GetString() ?? "handshake refused");
            }
        }

        Consume(separator + 1);
    }

    private async Task ReceiveAsync()
    {
        try
        {
            Drain();
            while (true)
            {
                var received = await ReceiveChunkAsync(CancellationToken.None);
                if (received.MessageType == WebSocketMessageType.Close)
                {
                    return;
                }

                if (_protocol != TabProtocol.ReflectorEvents || received.EndOfMessage)
                {
                    Drain();
                }
            }
        }
        catch (Exception exception) when (exception is WebSocketException or ObjectDisposedException or OperationCanceledException)
        {
            // Aborted by the bench, or dropped by the server: either way this tab is done.
        }
        finally
        {
            _subscribed.TrySetResult("the connection closed");
        }
    }

    private async ValueTask<ValueWebSocketReceiveResult> ReceiveChunkAsync(CancellationToken cancellationToken)
    {
        if (_length == _buffer.Length)
        {
            Array.Resize(ref _buffer, _buffer.Length * 2);
        }

        var received = await _socket.ReceiveAsync(_buffer.AsMemory(_length), cancellationToken);
        _length += received.Count;
        return received;
    }

    // Everything whole in the buffer: one Reflector frame, or any number of SignalR records.
    private void Drain()
    {
        var offset = 0;
        while (offset < _length)
        {
            int size, skip;
            if (_protocol == TabProtocol.ReflectorEvents)
            {
                (size, skip) = (_length, 0);
            }
            else if (_protocol == TabProtocol.SignalRJson)
            {
                var end = Array.IndexOf(_buffer, RecordSeparator, offset, _length - offset);
                if (end < 0)
                {
                    break;
                }

                (size, skip) = (end - offset, 1);
            }
            else if (!TryReadLengthPrefix(_buffer.AsSpan(offset, _length - offset), out size, out var prefix) || offset + prefix + size > _length)
            {
                break;
            }
            else
            {
                offset += prefix;
                skip = 0;
            }

            Read(_buffer.AsMemory(offset, size));
            offset += size + skip;
        }

        Consume(offset);
    }

    private void Read(ReadOnlyMemory<byte> message)
    {
        TranscriptFrames.Frame frame;
        try
        {
            frame = _protocol switch
            {
                TabProtocol.ReflectorEvents => TranscriptFrames.ReadReflector(message.Span),
                TabProtocol.SignalRJson => TranscriptFrames.ReadSignalRJson(message.Span),
                _ => TranscriptFrames.ReadSignalRMessagePack(message),
            };
        }
        catch (Exception exception) when (exception is JsonException or MessagePackSerializationException or InvalidOperationException)
        {
            _listener.Unreadable();
            return;
        }

        if (frame.CompletedInvocation is not null)
        {
            _subscribed.TrySetResult(frame.Error);
        }
        else if (frame.Kind is { } kind)
        {
            _listener.Received(Index, kind, frame.Stamp);
        }
    }

    private void Consume(int count)
    {
        _buffer.AsSpan(count, _length - count).CopyTo(_buffer);
        _length -= count;
    }

    // SignalR's binary framing: the message length as a base-128 varint, least significant group first.
    private static bool TryReadLengthPrefix(ReadOnlySpan<byte> data, out int length, out int prefixBytes)
    {
        length = 0;
        for (prefixBytes = 0; prefixBytes < Math.Min(5, data.Length); prefixBytes++)
        {
            var b = data[prefixBytes];
            length |= (b & 0x7f) << (7 * prefixBytes);
            if ((b & 0x80) == 0)
            {
                prefixBytes++;
                return true;
            }
        }

        return false;
    }

    public async ValueTask DisposeAsync()
    {
        _socket.Abort();
        await _receiving;
        _socket.Dispose();
    }
}
