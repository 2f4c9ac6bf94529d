using System.Net.WebSockets;
using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.SignalR.Protocol;

namespace Reflector.Relay.Bench.Clients;

/// <summary>
/// One browser tab: a raw WebSocket, as light as the load generator can make it, so that all systems pay the
/// same client cost. For the relay it speaks SignalR through SignalR's own protocol packages (<see cref="HubWire"/>)
/// rather than the .NET SignalR client. Every system's tab reads the same stamp, the event id
/// <c>{runId}:{sequence}:{sentAtMicros}</c> (<see cref="LoadStamp"/>): Reflector's <c>data.id</c>, the relay's <c>transcriptId</c>.
/// </summary>
internal sealed class Tab : IAsyncDisposable
{
    private static readonly Action<HubMessage, Tab> ReadHubMessage = static (message, tab) => tab.Read(message);

    private readonly ClientWebSocket _socket;
    private readonly HubWire? _wire;
    private readonly ITabListener _listener;
    private byte[] _buffer = new byte[2048];
    private int _length;
    private Task _receiving = Task.CompletedTask;

    private Tab(int index, ClientWebSocket socket, TabProtocol protocol, ITabListener listener)
    {
        Index = index;
        _socket = socket;
        _wire = protocol.IsRelay() ? HubWire.For(protocol) : null;
        _listener = listener;
    }

    public int Index { get; }

    public bool IsOpen => _socket.State == WebSocketState.Open;

    public static async Task<Tab> ConnectAsync(
        int index, TabProtocol protocol, Uri url, string token, HttpMessageInvoker invoker, ITabListener listener, CancellationToken cancellationToken)
    {
        var socket = new ClientWebSocket();
        var tab = new Tab(index, socket, protocol, listener);
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
            if (tab._wire is { } wire)
            {
                await socket.SendAsync(wire.Handshake, WebSocketMessageType.Text, endOfMessage: true, cancellationToken);
                await tab.ReadHandshakeAsync(cancellationToken);
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
        if (_wire is { } wire && IsOpen)
        {
            try
            {
                await _socket.SendAsync(wire.Ping, wire.MessageType, endOfMessage: true, cancellationToken);
            }
            catch (Exception exception) when (exception is WebSocketException or ObjectDisposedException or InvalidOperationException)
            {
                // Closed under us; the receive loop has seen it.
            }
        }
    }

    private async Task ReadHandshakeAsync(CancellationToken cancellationToken)
    {
        while (true)
        {
            var received = await ReceiveChunkAsync(cancellationToken);
            if (received.MessageType == WebSocketMessageType.Close)
            {
                throw new HandshakeRefusedException($"closed during the handshake ({_socket.CloseStatus})");
            }

            var used = HubWire.TryReadHandshake(_buffer.AsMemory(0, _length), out var error);
            if (used == 0)
            {
                continue;
            }

            if (error is not null)
            {
                throw new HandshakeRefusedException(error);
            }

            Consume(used);
            return;
        }
    }

    private async Task ReceiveAsync()
    {
        try
        {
            // Whatever followed the handshake response in the same frame is already buffered.
            DrainHubMessages();
            while (true)
            {
                var received = await ReceiveChunkAsync(CancellationToken.None);
                if (received.MessageType == WebSocketMessageType.Close)
                {
                    return;
                }

                if (_wire is null)
                {
                    if (received.EndOfMessage)
                    {
                        ReadReflectorFrame(_buffer.AsSpan(0, _length));
                        _length = 0;
                    }
                }
                else
                {
                    DrainHubMessages();
                }
            }
        }
        catch (Exception exception) when (exception is WebSocketException or ObjectDisposedException or OperationCanceledException)
        {
            // Aborted by the bench, or dropped by the server: either way this tab is done.
        }
        finally
        {
            _listener.Closed(Index);
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

    private void DrainHubMessages()
    {
        if (_wire is null || _length == 0)
        {
            return;
        }

        try
        {
            Consume(_wire.ReadMessages(_buffer.AsMemory(0, _length), this, ReadHubMessage));
        }
        catch (Exception exception) when (exception is InvalidDataException or JsonException or MessagePack.MessagePackSerializationException)
        {
            // A message the protocol itself could not read: nothing after it can be framed either.
            _listener.Unreadable();
            _length = 0;
        }
    }

    private void Consume(int count)
    {
        _buffer.AsSpan(count, _length - count).CopyTo(_buffer);
        _length -= count;
    }

    // {"event":"TRANSCRIPT_DURATION","data":{"id":"run:17:1764…","duration":17}}: the stamp is data's id.
    private void ReadReflectorFrame(ReadOnlySpan<byte> frame)
    {
        var reader = new Utf8JsonReader(frame);
        try
        {
            while (reader.Read())
            {
                if (reader.TokenType == JsonTokenType.PropertyName && reader.CurrentDepth == 2 && reader.ValueTextEquals("id"u8))
                {
                    reader.Read();
                    RecordStamp(reader.TokenType == JsonTokenType.String && !reader.ValueIsEscaped ? reader.ValueSpan : []);
                    return;
                }
            }
        }
        catch (JsonException)
        {
            // Counted below.
        }

        _listener.Unreadable();
    }

    // invalidate({type:"transcriptDurationChanged", transcriptId:"run:17:1764…", duration:17}), invalidate({type:"resync", …}),
    // upstreamStatus({state:"connected"}); the protocol parsed the frame and bound the argument, read here by name.
    private void Read(HubMessage message)
    {
        if (message is not InvocationMessage { Arguments: [var argument, ..] } invocation)
        {
            return;
        }

        switch (invocation.Target)
        {
            case "upstreamStatus":
                _listener.UpstreamStatus(Index, Encoding.UTF8.GetBytes(HubWire.Text(argument, "state") ?? ""));
                break;
            case "invalidate" when HubWire.Text(argument, "type") == "resync":
                _listener.Resync(Index);
                break;
            case "invalidate":
                RecordStamp(HubWire.Text(argument, "transcriptId") is { } stamp ? Encoding.UTF8.GetBytes(stamp) : []);
                break;
        }
    }

    private void RecordStamp(ReadOnlySpan<byte> stamp)
    {
        if (LoadStamp.TrySplit(stamp, out var id, out var sentAtMicros))
        {
            _listener.Record(Index, id, sentAtMicros);
        }
        else
        {
            _listener.Unreadable();
        }
    }

    /// <summary>
    /// Closes the way a browser closes a tab: a close frame, then the server's answer (waited for at most
    /// <paramref name="timeout"/>), then the socket is let go.
    /// </summary>
    public async Task CloseAsync(TimeSpan timeout)
    {
        using var deadline = new CancellationTokenSource(timeout);
        try
        {
            await _socket.CloseOutputAsync(WebSocketCloseStatus.NormalClosure, null, deadline.Token);
            await _receiving.WaitAsync(deadline.Token);
        }
        catch (Exception exception) when (exception is WebSocketException or ObjectDisposedException or InvalidOperationException or OperationCanceledException)
        {
            // Already closed, or the answer did not come: the abort below ends it.
        }

        await DisposeAsync();
    }

    public async ValueTask DisposeAsync()
    {
        _socket.Abort();
        await _receiving;
        _socket.Dispose();
    }
}

internal sealed class HandshakeRefusedException(string message) : Exception(message);
