using Microsoft.AspNetCore.Http;

namespace Reflector.Simulator;

// GET /v1/events: a signed-in user's own events. The token is required and names the stream (the user);
// Reflector keeps no history of these events, so a socket gets nothing on connect and an event sent while
// none is open is lost.
internal sealed class UserEventSockets : IEventSocketKind
{
    public const string Path = "/v1/events";

    public string Name => "user events";

    public string Route => Path;

    // Unbounded: an emit to a user whose reader stalls waits for it rather than cutting the socket.
    public int? OutboxCapacity => null;

    public string? RequestedStream(HttpContext context) => null;

    public HandshakeDecision Admit(string? requestedStream, string? user) => user is null
        ? HandshakeDecision.Refuse(streamId: null, StatusCodes.Status403Forbidden, "no bearer subprotocol")
        : new HandshakeDecision(StreamId: user, User: user, Refusal: null);

    public IReadOnlyCollection<byte[]> Replay(string streamId) => [];

    public bool TryStore(string streamId, string eventName, byte[] frame) => true;
}
