using System.Net.Http.Headers;
using System.Net.WebSockets;
using System.Text.Json;

namespace Reflector.Relay.Bench.Clients;

/// <summary>
/// The raw WebSocket under a browser tab (<see cref="Tab"/>, <see cref="TranscriptTab"/>): it authenticates as a
/// browser does, does the SignalR handshake for the relay, and runs the receive loop that hands an
/// <see cref="ITabReader"/> every whole Reflector frame, or every buffered run of SignalR messages.
/// </summary>
internal sealed class TabSocket : IAsyncDisposable
{
    private readonly ClientWebSocket _socket = new();
    private byte[] _buffer;
    private int _length;
    private Task _receiving = Task.CompletedTask;
    private int _disposed;

    private TabSocket(TabProtocol protocol, int initialBufferBytes)
    {
        Wire = protocol.IsRelay() ? HubWire.For(protocol) : null;
        _buffer = new byte[initialBufferBytes];
    }

    /// <summary>The SignalR protocol spoken to the relay; null for Reflector's own frames.</summary>
    public HubWire? Wire { get; }

    public bool IsOpen => _socket.State == WebSocketState.Open;

    /// <summary>
    /// Connects as a browser does and, for the relay, completes the SignalR handshake; nothing is read until
    /// <see cref="StartReceiving"/>. A relay tab first negotiates (<c>POST {hub}/negotiate?negotiateVersion=1</c> with
    /// the token in the <c>Authorization</c> header), then opens the WebSocket naming the connection it was given,
    /// the token in the query (<c>?id=…&amp;access_token=…</c>): what @microsoft/signalr does in a browser, which
    /// cannot set headers on a WebSocket.
    /// </summary>
    /// <param name="initialBufferBytes">The receive buffer's first size; it doubles whenever a message outgrows it.</param>
    /// <exception cref="HandshakeRefusedException">The relay refused the handshake, or closed during it.</exception>
    public static async Task<TabSocket> ConnectAsync(
        TabProtocol protocol, Uri url, string token, ClientInvokers invoker, int initialBufferBytes, CancellationToken cancellationToken)
    {
        var tab = new TabSocket(protocol, initialBufferBytes);
        try
        {
            if (protocol == TabProtocol.ReflectorEvents)
            {
                // What a browser does against Reflector: the token rides in the offered subprotocols.
                tab._socket.Options.AddSubProtocol("bearer");
                tab._socket.Options.AddSubProtocol(token);
            }
            else
            {
                var connectionToken = await NegotiateAsync(url, token, invoker.Requests, cancellationToken);
                url = new UriBuilder(url) { Query = $"id={Uri.EscapeDataString(connectionToken)}&access_token={Uri.EscapeDataString(token)}" }.Uri;
            }

            await tab._socket.ConnectAsync(url, invoker.WebSockets, cancellationToken);
            if (tab.Wire is { } wire)
            {
                await tab._socket.SendAsync(wire.Handshake, WebSocketMessageType.Text, endOfMessage: true, cancellationToken);
                await tab.ReadHandshakeAsync(cancellationToken);
            }

            return tab;
        }
        catch
        {
            tab._socket.Dispose();
            throw;
        }
    }

    /// <summary>SignalR's negotiate, version 1: the connection token the WebSocket must name.</summary>
    private static async Task<string> NegotiateAsync(Uri hub, string token, HttpMessageInvoker requests, CancellationToken cancellationToken)
    {
        var negotiate = new UriBuilder(hub)
        {
            Scheme = hub.Scheme == "wss" ? "https" : "http",
            Path = hub.AbsolutePath.TrimEnd('/') + "/negotiate",
            Query = "negotiateVersion=1",
        };
        using var request = new HttpRequestMessage(HttpMethod.Post, negotiate.Uri) { Content = new ByteArrayContent([]) };
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        using var response = await requests.SendAsync(request, cancellationToken);
        response.EnsureSuccessStatusCode();
        using var body = await JsonDocument.ParseAsync(await response.Content.ReadAsStreamAsync(cancellationToken), cancellationToken: cancellationToken);
        var root = body.RootElement;
        return root.TryGetProperty("connectionToken", out var connectionToken) && connectionToken.GetString() is { Length: > 0 } value
            ? value
            : throw new HttpRequestException(root.TryGetProperty("error", out var error) ? $"negotiate: {error}" : "negotiate: no connection token");
    }

    /// <summary>Starts the receive loop; <paramref name="reader"/> is called from it, one call at a time, until it closes.</summary>
    public void StartReceiving(ITabReader reader) => _receiving = Task.Run(() => ReceiveAsync(reader), CancellationToken.None);

    /// <summary>Sends one SignalR message, already written by <see cref="Wire"/>.</summary>
    public Task SendAsync(byte[] message, CancellationToken cancellationToken) =>
        _socket.SendAsync(message, Wire!.MessageType, endOfMessage: true, cancellationToken);

    /// <summary>A SignalR ping, so the hub keeps the connection; nothing for Reflector's own sockets.</summary>
    public async Task PingAsync(CancellationToken cancellationToken)
    {
        if (Wire is { } wire && IsOpen)
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

            // 0 while the response is incomplete; a whole response takes bytes, whether or not it is a refusal.
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

    private async Task ReceiveAsync(ITabReader reader)
    {
        try
        {
            // Whatever followed the handshake response in the same frame is already buffered.
            ReadHubMessages(reader);
            while (true)
            {
                var received = await ReceiveChunkAsync(CancellationToken.None);
                if (received.MessageType == WebSocketMessageType.Close)
                {
                    return;
                }

                if (Wire is not null)
                {
                    // SignalR frames its own messages: read whatever is whole, keep the rest for the next chunk.
                    ReadHubMessages(reader);
                }
                else if (received.EndOfMessage)
                {
                    // Reflector sends one JSON event per WebSocket message.
                    reader.ReadReflectorFrame(_buffer.AsSpan(0, _length));
                    _length = 0;
                }
            }
        }
        catch (Exception exception) when (exception is WebSocketException or ObjectDisposedException or OperationCanceledException)
        {
            // Aborted by the bench, or dropped by the server: either way this tab is done.
        }
        finally
        {
            reader.Closed();
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

    private void ReadHubMessages(ITabReader reader)
    {
        if (Wire is null || _length == 0)
        {
            return;
        }

        Consume(reader.ReadHubMessages(_buffer.AsMemory(0, _length)));
    }

    private void Consume(int count)
    {
        _buffer.AsSpan(count, _length - count).CopyTo(_buffer);
        _length -= count;
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
        // Idempotent: a reconnecting tab and its owner may both let go of the same closed socket.
        if (Interlocked.Exchange(ref _disposed, 1) == 0)
        {
            _socket.Abort();
        }

        await _receiving;
        _socket.Dispose();
    }
}

/// <summary>What reads a <see cref="TabSocket"/>: called from its receive loop, one call at a time.</summary>
internal interface ITabReader
{
    /// <summary>One whole Reflector event frame (<c>direct</c>, <c>yarp</c>).</summary>
    void ReadReflectorFrame(ReadOnlySpan<byte> frame);

    /// <summary>
    /// Reads every whole SignalR message at the front of <paramref name="buffered"/> (never empty); returns the
    /// bytes they took, or all of them when the protocol could not read one (nothing after it can be framed).
    /// </summary>
    int ReadHubMessages(ReadOnlyMemory<byte> buffered);

    /// <summary>The socket closed or failed, whoever closed it; nothing more will be read.</summary>
    void Closed();
}

internal sealed class HandshakeRefusedException(string message) : Exception(message);
