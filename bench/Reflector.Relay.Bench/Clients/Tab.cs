using System.Diagnostics;
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
internal sealed class Tab : IPingedTab, ITabReader, IAsyncDisposable
{
    // Steady and soak events are small (a stamp and a duration); the buffer doubles for anything larger.
    private const int InitialBufferBytes = 2048;

    /// <summary>How long one reconnect attempt may take, negotiate and handshake included, before it counts as failed.</summary>
    private static readonly TimeSpan AttemptTimeout = TimeSpan.FromSeconds(30);

    private static readonly Action<HubMessage, Tab> ReadHubMessage = static (message, tab) => tab.Read(message);

    private readonly ITabListener _listener;
    private readonly TabProtocol _protocol;
    private readonly string _token;
    private readonly ClientInvokers _invoker;
    private readonly TabReconnect? _reconnect;
    private readonly CancellationTokenSource _ending = new();
    private volatile TabSocket _socket;
    private Task _reconnecting = Task.CompletedTask;
    private long _openedAt = Stopwatch.GetTimestamp();
    private int _disconnects;
    private int _reconnects;
    private int _failedAttempts;
    private int _disposed;

    private Tab(int index, TabSocket socket, Uri url, TabProtocol protocol, string token, ClientInvokers invoker, ITabListener listener, TabReconnect? reconnect)
    {
        Index = index;
        _socket = socket;
        Url = url;
        _protocol = protocol;
        _token = token;
        _invoker = invoker;
        _listener = listener;
        _reconnect = reconnect;
    }

    public int Index { get; }

    public bool IsOpen => _socket.IsOpen;

    /// <summary>Open, or closed by the server and coming back by itself: the tab is still the bench's to close.</summary>
    public bool IsHeld => IsOpen || (_reconnect is not null && Volatile.Read(ref _disposed) == 0);

    /// <summary>Closed by the server and not connected again yet.</summary>
    public bool IsReconnecting => !IsOpen && IsHeld;

    /// <summary>Where the tab is connected (a cluster's node), or was last.</summary>
    public Uri Url { get; private set; }

    /// <summary>When the tab's current connection completed its handshake (a <see cref="Stopwatch"/> timestamp).</summary>
    public long OpenedAt => Interlocked.Read(ref _openedAt);

    /// <summary>Times the server closed the tab (or its socket failed) while the bench held it.</summary>
    public int Disconnects => Volatile.Read(ref _disconnects);

    /// <summary>Connections made again after a disconnect.</summary>
    public int Reconnects => Volatile.Read(ref _reconnects);

    /// <summary>Reconnect attempts that failed (refused, timed out, closed in the handshake).</summary>
    public int FailedAttempts => Volatile.Read(ref _failedAttempts);

    /// <param name="reconnect">
    /// Null: a tab the server closes stays closed. Otherwise the tab connects again by itself, as a browser's SignalR
    /// client does, after each of the delays in turn (the last repeated), to wherever its route says then.
    /// </param>
    public static async Task<Tab> ConnectAsync(
        int index, TabProtocol protocol, Uri url, string token, ClientInvokers invoker, ITabListener listener, CancellationToken cancellationToken,
        TabReconnect? reconnect = null)
    {
        var socket = await TabSocket.ConnectAsync(protocol, url, token, invoker, InitialBufferBytes, cancellationToken);
        var tab = new Tab(index, socket, url, protocol, token, invoker, listener, reconnect);
        socket.StartReceiving(tab);
        return tab;
    }

    public Task PingAsync(CancellationToken cancellationToken) => _socket.PingAsync(cancellationToken);

    /// <inheritdoc cref="TabSocket.CloseAsync"/>
    public async Task CloseAsync(TimeSpan timeout)
    {
        if (Volatile.Read(ref _disposed) == 0)
        {
            await _ending.CancelAsync();
            await _socket.CloseAsync(timeout);
            await DisposeAsync();
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) == 1)
        {
            return;
        }

        // Ended first, so the close below is not taken for the server's and reconnected.
        await _ending.CancelAsync();
        var socket = _socket;
        await socket.DisposeAsync();
        await _reconnecting;
        if (_socket != socket)
        {
            await _socket.DisposeAsync();
        }

        _ending.Dispose();
    }

    private async Task ReconnectAsync(TabReconnect reconnect, TabSocket closed)
    {
        await closed.DisposeAsync();
        for (var attempt = 0; ; attempt++)
        {
            try
            {
                await Task.Delay(reconnect.Delays[Math.Min(attempt, reconnect.Delays.Count - 1)], _ending.Token);
                var url = reconnect.Route();
                using var deadline = CancellationTokenSource.CreateLinkedTokenSource(_ending.Token);
                deadline.CancelAfter(AttemptTimeout);
                var socket = await TabSocket.ConnectAsync(_protocol, url, _token, _invoker, InitialBufferBytes, deadline.Token);
                Url = url;
                _socket = socket;
                Interlocked.Exchange(ref _openedAt, Stopwatch.GetTimestamp());
                Interlocked.Increment(ref _reconnects);
                _listener.Reopened(Index);
                socket.StartReceiving(this);
                return;
            }
            catch (OperationCanceledException) when (_ending.IsCancellationRequested)
            {
                return;
            }
            catch (Exception)
            {
                // Refused (the relay is still down), timed out, or closed in the handshake: the next delay, then again.
                Interlocked.Increment(ref _failedAttempts);
            }
        }
    }

    int ITabReader.ReadHubMessages(ReadOnlyMemory<byte> buffered)
    {
        try
        {
            return _socket.Wire!.ReadMessages(buffered, this, ReadHubMessage);
        }
        catch (Exception exception) when (exception is InvalidDataException or JsonException or MessagePack.MessagePackSerializationException)
        {
            // A message the protocol itself could not read: nothing after it can be framed either.
            _listener.Unreadable();
            return buffered.Length;
        }
    }

    void ITabReader.Closed()
    {
        _listener.Closed(Index);
        if (_reconnect is { } reconnect && !_ending.IsCancellationRequested)
        {
            Interlocked.Increment(ref _disconnects);
            var closed = _socket;
            _reconnecting = Task.Run(() => ReconnectAsync(reconnect, closed), CancellationToken.None);
        }
    }

    // {"event":"TRANSCRIPT_DURATION","data":{"id":"run:17:1764…","duration":17}}: the stamp is data's id.
    void ITabReader.ReadReflectorFrame(ReadOnlySpan<byte> frame)
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
}

/// <summary>
/// How a tab comes back after the server closed it: <paramref name="Delays"/> before each attempt (the last repeated:
/// a browser's client never gives up), each attempt to where <paramref name="Route"/> says then.
/// </summary>
internal sealed record TabReconnect(IReadOnlyList<TimeSpan> Delays, Func<Uri> Route);
