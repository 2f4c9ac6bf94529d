using Microsoft.AspNetCore.Http;

namespace Reflector.Simulator;

// What sets one of Reflector's two event sockets apart: /v1/events, where the token names the user whose
// events the socket receives, and /v1/transcripts/{id}/events, where the path names the transcript and a
// token is optional. The hub, the socket, the endpoint and the load generator are shared; each asks its kind
// only these questions.
//
// A socket joins one stream, named by its stream id: the user id on /v1/events, the transcript id on a
// transcript's socket.
internal interface IEventSocketKind
{
    // Names the kind in logs.
    string Name { get; }

    // The route the endpoint is mapped to.
    string Route { get; }

    // The most frames a socket may have queued before it is cut off, as a network cut would; null for no bound.
    int? OutboxCapacity { get; }

    // The stream a request asks for before its token is read: the transcript id in the path, or null when
    // only the token can tell (a user's own events).
    string? RequestedStream(HttpContext context);

    // Decides, once the token's user is known (null: no token offered), which stream the socket joins, or why
    // it is refused.
    HandshakeDecision Admit(string? requestedStream, string? user);

    // What a new socket is sent before any live event. Called under the hub's lock, with TryStore, so that a
    // socket sees its replay and then every live event, none lost and none twice.
    IReadOnlyCollection<byte[]> Replay(string streamId);

    // Keeps an emitted event for later sockets, as Reflector's database would; false when there is no such
    // stream. Called under the hub's lock, so storing and sending are one step.
    bool TryStore(string streamId, string eventName, byte[] frame);
}

// StreamId is null only when the handshake is refused before anyone knows which stream it wanted.
internal readonly record struct HandshakeDecision(string? StreamId, string? User, HandshakeRefusal? Refusal)
{
    public static HandshakeDecision Refuse(string? streamId, int statusCode, string reason) =>
        new(streamId, User: null, new HandshakeRefusal(statusCode, reason));
}

// Every refusal is an HTTP status before the upgrade: Reflector never answers a handshake with a close code.
internal readonly record struct HandshakeRefusal(int StatusCode, string Reason);
