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
internal sealed class Tab : IPingedTab, ITabReader
{
    // Steady and soak events are small (a stamp and a duration); the buffer doubles for anything larger.
    private const int InitialBufferBytes = 2048;

    private static readonly Action<HubMessage, Tab> ReadHubMessage = static (message, tab) => tab.Read(message);

    private readonly TabSocket _socket;
    private readonly ITabListener _listener;

    private Tab(int index, TabSocket socket, ITabListener listener)
    {
        Index = index;
        _socket = socket;
        _listener = listener;
    }

    public int Index { get; }

    public bool IsOpen => _socket.IsOpen;

    public static async Task<Tab> ConnectAsync(
        int index, TabProtocol protocol, Uri url, string token, ClientInvokers invoker, ITabListener listener, CancellationToken cancellationToken)
    {
        var socket = await TabSocket.ConnectAsync(protocol, url, token, invoker, InitialBufferBytes, cancellationToken);
        var tab = new Tab(index, socket, listener);
        socket.StartReceiving(tab);
        return tab;
    }

    public Task PingAsync(CancellationToken cancellationToken) => _socket.PingAsync(cancellationToken);

    /// <inheritdoc cref="TabSocket.CloseAsync"/>
    public Task CloseAsync(TimeSpan timeout) => _socket.CloseAsync(timeout);

    public ValueTask DisposeAsync() => _socket.DisposeAsync();

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

    void ITabReader.Closed() => _listener.Closed(Index);

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
