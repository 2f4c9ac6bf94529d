using System.Buffers;
using System.Net.WebSockets;
using System.Text.Json;
using Microsoft.AspNetCore.Connections;
using Microsoft.AspNetCore.SignalR;
using Microsoft.AspNetCore.SignalR.Protocol;

namespace Reflector.Relay.Bench.Clients;

/// <summary>
/// SignalR's wire protocol for a raw-WebSocket tab, through SignalR's own protocol packages: the handshake
/// (<see cref="HandshakeProtocol"/>), and every message written and read by <see cref="JsonHubProtocol"/> or
/// <see cref="MessagePackHubProtocol"/>. The client methods' argument binds to a <see cref="JsonElement"/> (JSON)
/// or a map by field name (MessagePack, where the relay writes the contract's JSON shape as a map); read it
/// with <see cref="HubWire.Text"/>.
/// </summary>
internal sealed class HubWire
{
    public static readonly HubWire Json = new(new JsonHubProtocol(), typeof(JsonElement));
    public static readonly HubWire MessagePack = new(new MessagePackHubProtocol(), typeof(Dictionary<string, object?>));

    private HubWire(IHubProtocol protocol, Type argumentType)
    {
        Protocol = protocol;
        Binder = new ClientMethodBinder(argumentType);
        var handshake = new ArrayBufferWriter<byte>(64);
        HandshakeProtocol.WriteRequestMessage(new HandshakeRequestMessage(protocol.Name, protocol.Version), handshake);
        Handshake = handshake.WrittenSpan.ToArray();
        Ping = protocol.GetMessageBytes(PingMessage.Instance).ToArray();
        MessageType = protocol.TransferFormat == TransferFormat.Binary ? WebSocketMessageType.Binary : WebSocketMessageType.Text;
    }

    public IHubProtocol Protocol { get; }

    public IInvocationBinder Binder { get; }

    /// <summary>The handshake request, always text.</summary>
    public byte[] Handshake { get; }

    public byte[] Ping { get; }

    /// <summary>How this protocol's messages travel: text frames for JSON, binary for MessagePack.</summary>
    public WebSocketMessageType MessageType { get; }

    public static HubWire For(TabProtocol protocol) => protocol switch
    {
        TabProtocol.SignalRJson => Json,
        TabProtocol.SignalRMessagePack => MessagePack,
        _ => throw new ArgumentOutOfRangeException(nameof(protocol), protocol, "not a SignalR protocol"),
    };

    public byte[] Invocation(string invocationId, string target, params object?[] arguments) =>
        Protocol.GetMessageBytes(new InvocationMessage(invocationId, target, arguments)).ToArray();

    /// <summary>
    /// Reads the handshake response from the front of <paramref name="buffer"/>: the bytes it took (0 while it is
    /// incomplete), and the server's error, if it refused.
    /// </summary>
    public static int TryReadHandshake(ReadOnlyMemory<byte> buffer, out string? error)
    {
        var sequence = new ReadOnlySequence<byte>(buffer);
        if (!HandshakeProtocol.TryParseResponseMessage(ref sequence, out var response))
        {
            error = null;
            return 0;
        }

        error = response.Error;
        return buffer.Length - (int)sequence.Length;
    }

    /// <summary>Reads every whole message at the front of <paramref name="buffer"/>; returns the bytes they took.</summary>
    public int ReadMessages<TState>(ReadOnlyMemory<byte> buffer, TState state, Action<HubMessage, TState> read)
    {
        var sequence = new ReadOnlySequence<byte>(buffer);
        while (Protocol.TryParseMessage(ref sequence, Binder, out var message))
        {
            read(message, state);
        }

        return buffer.Length - (int)sequence.Length;
    }

    /// <summary>A string field of a bound argument, by name; null when absent or not a string.</summary>
    public static string? Text(object? argument, string name) => argument switch
    {
        JsonElement { ValueKind: JsonValueKind.Object } element when element.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String => value.GetString(),
        IReadOnlyDictionary<string, object?> map when map.TryGetValue(name, out var value) => value as string,
        _ => null,
    };

    /// <summary>
    /// Binds the arguments of the client methods a tab reads (<c>invalidate</c>, <c>upstreamStatus</c>,
    /// <c>transcriptEvent</c>: one message each) and any method's result; any other target fails to bind and is ignored.
    /// </summary>
    private sealed class ClientMethodBinder(Type argumentType) : IInvocationBinder
    {
        private readonly Type[] _arguments = [argumentType];

        public IReadOnlyList<Type> GetParameterTypes(string methodName) => methodName switch
        {
            "invalidate" or "upstreamStatus" or "transcriptEvent" => _arguments,
            _ => throw new InvalidOperationException($"the bench reads no client method {methodName}"),
        };

        public Type GetReturnType(string invocationId) => argumentType;

        public Type GetStreamItemType(string streamId) => throw new InvalidOperationException("the bench opens no streams");
    }
}
