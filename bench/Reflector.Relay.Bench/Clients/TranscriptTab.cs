using System.Net.WebSockets;
using System.Text.Json;
using Microsoft.AspNetCore.SignalR.Protocol;

namespace Reflector.Relay.Bench.Clients;

/// <summary>
/// One browser tab on a transcript page: for <c>direct</c> and <c>yarp</c> its own WebSocket to
/// <c>/v1/transcripts/{id}/events</c> offering <c>bearer</c> and the token, as Reflector's frontend does; for
/// the relay a SignalR connection (through SignalR's protocol packages, <see cref="HubWire"/>, as <see cref="Tab"/>) that calls
/// <c>SubscribeTranscript</c> and reads <c>transcriptEvent</c>.
/// </summary>
internal sealed class TranscriptTab : IAsyncDisposable
{
    private static readonly Action<HubMessage, TranscriptTab> ReadHubMessage = static (message, tab) => tab.Read(TranscriptFrames.ReadHubMessage(message));

    private readonly ClientWebSocket _socket = new();
    private readonly TabProtocol _protocol;
    private readonly HubWire? _wire;
    private readonly ITranscriptListener _listener;
    private readonly TaskCompletionSource<string?> _subscribed = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private byte[] _buffer = new byte[8192];
    private int _length;
    private Task _receiving = Task.CompletedTask;

    private TranscriptTab(int index, TabProtocol protocol, ITranscriptListener listener)
    {
        Index = index;
        _protocol = protocol;
        _wire = protocol.IsRelay() ? HubWire.For(protocol) : null;
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

            await tab._socket.SendAsync(tab._wire!.Handshake, WebSocketMessageType.Text, endOfMessage: true, cancellationToken);
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

    private Task SubscribeAsync(string transcriptId, CancellationToken cancellationToken) =>
        _socket.SendAsync(_wire!.Invocation("1", "SubscribeTranscript", transcriptId), _wire.MessageType, endOfMessage: true, cancellationToken);

    private async Task ReadHandshakeAsync(CancellationToken cancellationToken)
    {
        while (true)
        {
            if ((await ReceiveChunkAsync(cancellationToken)).MessageType == WebSocketMessageType.Close)
            {
                throw new HandshakeRefusedException($"closed during the handshake ({_socket.CloseStatus})");
            }

            var used = HubWire.TryReadHandshake(_buffer.AsMemory(0, _length), out var error);
            if (error is not null)
            {
                throw new HandshakeRefusedException(error);
            }

            if (used > 0)
            {
                Consume(used);
                return;
            }
        }
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

    // Everything whole in the buffer: one Reflector frame, or any number of SignalR messages.
    private void Drain()
    {
        if (_length == 0)
        {
            return;
        }

        try
        {
            if (_wire is null)
            {
                Read(TranscriptFrames.ReadReflector(_buffer.AsSpan(0, _length)));
                _length = 0;
            }
            else
            {
                Consume(_wire.ReadMessages(_buffer.AsMemory(0, _length), this, ReadHubMessage));
            }
        }
        catch (Exception exception) when (exception is JsonException or InvalidDataException or MessagePack.MessagePackSerializationException or InvalidOperationException)
        {
            _listener.Unreadable();
            _length = 0;
        }
    }

    private void Read(TranscriptFrames.Frame frame)
    {
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

    public async ValueTask DisposeAsync()
    {
        _socket.Abort();
        await _receiving;
        _socket.Dispose();
    }
}
