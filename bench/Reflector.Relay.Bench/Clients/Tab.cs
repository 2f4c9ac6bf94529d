using System.Buffers;
using System.Net.WebSockets;
using System.Text;
using System.Text.Json;
using MessagePack;
using Reflector.Relay.Bench.Measurement;

namespace Reflector.Relay.Bench.Clients;

/// <summary>
/// One browser tab: a raw WebSocket, as light as the load generator can make it, so that all systems
/// pay the same client cost. For the relay it speaks SignalR's wire protocol itself (handshake, record
/// separators or length prefixes, pings) instead of using the .NET SignalR client.
/// </summary>
internal sealed class Tab : IAsyncDisposable
{
    private const byte RecordSeparator = 0x1e;
    private static readonly byte[] JsonPing = "{\"type\":6}\u001e"u8.ToArray();
    private static readonly byte[] MessagePackPing = [0x02, 0x91, 0x06];

    private readonly ClientWebSocket _socket;
    private readonly TabProtocol _protocol;
    private readonly DeliveryRecorder _recorder;
    private byte[] _buffer = new byte[2048];
    private int _length;
    private Task _receiving = Task.CompletedTask;

    private Tab(int index, ClientWebSocket socket, TabProtocol protocol, DeliveryRecorder recorder)
    {
        Index = index;
        _socket = socket;
        _protocol = protocol;
        _recorder = recorder;
    }

    public int Index { get; }

    public bool IsOpen => _socket.State == WebSocketState.Open;

    public static async Task<Tab> ConnectAsync(
        int index, TabProtocol protocol, Uri url, string token, HttpMessageInvoker invoker, DeliveryRecorder recorder, CancellationToken cancellationToken)
    {
        var socket = new ClientWebSocket();
        var tab = new Tab(index, socket, protocol, recorder);
        try
        {
            if (protocol == TabProtocol.ReflectorEvents)
            {
                // What a browser does against Reflector: the token rides in the offered subprotocols.
                socket.Options.AddSubProtocol("bearer");
                socket.Options.AddSubProtocol(token);
            }
            else
            {
                socket.Options.SetRequestHeader("Authorization", "Bearer " + token);
            }

            await socket.ConnectAsync(url, invoker, cancellationToken);
            if (protocol.IsRelay())
            {
                await tab.HandshakeAsync(cancellationToken);
            }

            tab._receiving = Task.Run(tab.ReceiveAsync, CancellationToken.None);
            return tab;
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    }

    public async Task PingAsync(CancellationToken cancellationToken)
    {
        if (_protocol.IsRelay() && IsOpen)
        {
            try
            {
                var ping = _protocol == TabProtocol.SignalRJson ? JsonPing : MessagePackPing;
                var type = _protocol == TabProtocol.SignalRJson ? WebSocketMessageType.Text : WebSocketMessageType.Binary;
                await _socket.SendAsync(ping, type, endOfMessage: true, cancellationToken);
            }
            catch (Exception exception) when (exception is WebSocketException or ObjectDisposedException or InvalidOperationException)
            {
                // Closed under us; the receive loop has seen it.
            }
        }
    }

    private async Task HandshakeAsync(CancellationToken cancellationToken)
    {
        var protocol = _protocol == TabProtocol.SignalRJson ? "json" : "messagepack";
        await _socket.SendAsync(Encoding.UTF8.GetBytes($"{{\"protocol\":\"{protocol}\",\"version\":1}}\u001e"), WebSocketMessageType.Text, true, cancellationToken);
        while (true)
        {
            var received = await ReceiveChunkAsync(cancellationToken);
            if (received.MessageType == WebSocketMessageType.Close)
            {
                throw new HandshakeRefusedException($"closed during the handshake ({_socket.CloseStatus})");
            }

            var end = Array.IndexOf(_buffer, RecordSeparator, 0, _length);
            if (end < 0)
            {
                continue;
            }

            using (var response = JsonDocument.Parse(_buffer.AsMemory(0, end)))
            {
                if (response.RootElement.TryGetProperty("error", out var error))
                {
                    throw new HandshakeRefusedException(error.GetString() ?? "handshake refused");
                }
            }

            Consume(end + 1);
            return;
        }
    }

    private async Task ReceiveAsync()
    {
        try
        {
            // Whatever followed the handshake response in the same frame is already buffered.
            DrainRecords();
            while (true)
            {
                var received = await ReceiveChunkAsync(CancellationToken.None);
                if (received.MessageType == WebSocketMessageType.Close)
                {
                    return;
                }

                if (_protocol == TabProtocol.ReflectorEvents)
                {
                    if (received.EndOfMessage)
                    {
                        ReadReflectorFrame(_buffer.AsSpan(0, _length));
                        _length = 0;
                    }
                }
                else
                {
                    DrainRecords();
                }
            }
        }
        catch (Exception exception) when (exception is WebSocketException or ObjectDisposedException or OperationCanceledException)
        {
            // Aborted by the bench, or dropped by the server: either way this tab is done.
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

    private void DrainRecords()
    {
        var offset = 0;
        while (offset < _length)
        {
            if (_protocol == TabProtocol.SignalRJson)
            {
                var end = Array.IndexOf(_buffer, RecordSeparator, offset, _length - offset);
                if (end < 0)
                {
                    break;
                }

                ReadSignalRJson(_buffer.AsSpan(offset, end - offset));
                offset = end + 1;
            }
            else
            {
                if (!TryReadLengthPrefix(_buffer.AsSpan(offset, _length - offset), out var size, out var prefix) ||
                    offset + prefix + size > _length)
                {
                    break;
                }

                ReadSignalRMessagePack(_buffer.AsMemory(offset + prefix, size));
                offset += prefix + size;
            }
        }

        Consume(offset);
    }

    private void Consume(int count)
    {
        _buffer.AsSpan(count, _length - count).CopyTo(_buffer);
        _length -= count;
    }

    // {"event":"TRANSCRIPT_DURATION","data":{"id":"run:17","duration":1.7E+15}}
    private void ReadReflectorFrame(ReadOnlySpan<byte> frame) =>
        ReadEvent(frame, "id"u8, requireInvalidate: false);

    // {"type":1,"target":"invalidate","arguments":[{"type":"transcriptDurationChanged","transcriptId":"run:17","duration":1.7E+15}]}
    private void ReadSignalRJson(ReadOnlySpan<byte> record) =>
        ReadEvent(record, "transcriptId"u8, requireInvalidate: true);

    private void ReadEvent(ReadOnlySpan<byte> json, ReadOnlySpan<byte> idName, bool requireInvalidate)
    {
        var reader = new Utf8JsonReader(json);
        byte[]? id = null;
        double? sentAt = null;
        var isInvalidate = !requireInvalidate;
        try
        {
            while (reader.Read())
            {
                if (reader.TokenType != JsonTokenType.PropertyName)
                {
                    continue;
                }

                if (reader.ValueTextEquals(idName))
                {
                    reader.Read();
                    id = reader.TokenType == JsonTokenType.String ? reader.ValueSpan.ToArray() : null;
                }
                else if (reader.ValueTextEquals("duration"u8))
                {
                    reader.Read();
                    sentAt = reader.TokenType == JsonTokenType.Number ? reader.GetDouble() : null;
                }
                else if (requireInvalidate && reader.ValueTextEquals("target"u8))
                {
                    reader.Read();
                    isInvalidate = reader.ValueTextEquals("invalidate"u8);
                }
            }
        }
        catch (JsonException)
        {
            _recorder.Unreadable();
            return;
        }

        if (isInvalidate && id is not null && sentAt is { } timestamp)
        {
            _recorder.Record(Index, id, timestamp);
        }
        else if (isInvalidate)
        {
            _recorder.Unreadable();
        }
    }

    // [1, headers, invocationId, "invalidate", [message]]: the message's own layout is the hub's choice
    // (a map with names, or an array), so the reader looks for values, not names: the string shaped like
    // "run:sequence" is the id, the number past 1e14 (microseconds since 1970) is the send time.
    private void ReadSignalRMessagePack(ReadOnlyMemory<byte> message)
    {
        var reader = new MessagePackReader(message);
        var found = new MessagePackFinding();
        try
        {
            Walk(ref reader, ref found, depth: 0);
        }
        catch (MessagePackSerializationException)
        {
            _recorder.Unreadable();
            return;
        }

        if (!found.IsInvalidate)
        {
            return;
        }

        if (found.Id is { } id && found.SentAt is { } sentAt)
        {
            _recorder.Record(Index, id, sentAt);
        }
        else
        {
            _recorder.Unreadable();
        }
    }

    private static void Walk(ref MessagePackReader reader, ref MessagePackFinding found, int depth)
    {
        if (depth > 8)
        {
            reader.Skip();
            return;
        }

        switch (reader.NextMessagePackType)
        {
            case MessagePackType.Array:
                for (var count = reader.ReadArrayHeader(); count > 0; count--)
                {
                    Walk(ref reader, ref found, depth + 1);
                }

                break;
            case MessagePackType.Map:
                for (var count = reader.ReadMapHeader() * 2; count > 0; count--)
                {
                    Walk(ref reader, ref found, depth + 1);
                }

                break;
            case MessagePackType.String:
                var text = reader.ReadStringSequence() is { } sequence ? sequence.ToArray() : [];
                if (text.AsSpan().SequenceEqual("invalidate"u8))
                {
                    found.IsInvalidate = true;
                }
                else if (text.AsSpan().IndexOf((byte)':') > 0)
                {
                    found.Id = text;
                }

                break;
            case MessagePackType.Float or MessagePackType.Integer:
                var number = reader.ReadDouble();
                if (number > 1e14)
                {
                    found.SentAt = number;
                }

                break;
            default:
                reader.Skip();
                break;
        }
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

    private struct MessagePackFinding
    {
        public bool IsInvalidate;
        public byte[]? Id;
        public double? SentAt;
    }
}

internal sealed class HandshakeRefusedException(string message) : Exception(message);
