using System.Net.WebSockets;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace Reflector.Simulator;

// One of Reflector's event sockets, its kind deciding who may open which stream. Every refusal happens before
// the upgrade, so a client sees a plain HTTP status and never a close code.
internal sealed class EventsEndpoint<TKind>(SocketHub<TKind> hub, ServerState server, TokenAuthority tokens, ILogger<EventsEndpoint<TKind>> logger)
    where TKind : IEventSocketKind
{
    private readonly TKind _kind = hub.Kind;

    public async Task HandleAsync(HttpContext context)
    {
        if (!context.WebSockets.IsWebSocketRequest)
        {
            context.Response.StatusCode = StatusCodes.Status400BadRequest;
            return;
        }

        var accepted = await HandshakeAsync(context).ConfigureAwait(false);
        if (accepted is var (streamId, user, webSocket))
        {
            using (webSocket)
            {
                await RunAsync(context, new EventSocket(streamId, user, webSocket, _kind.OutboxCapacity)).ConfigureAwait(false);
            }
        }
    }

    // Everything up to the accepted upgrade: the part a slow or refusing API spends its time in.
    private async Task<(string StreamId, string? User, WebSocket Socket)?> HandshakeAsync(HttpContext context)
    {
        var requested = _kind.RequestedStream(context);

        // Counted as in progress until the decision, and so before any byte of the answer can reach the client.
        HandshakeDecision? decision;
        hub.Handshakes.Started();
        try
        {
            if (hub.Handshakes.Delay > TimeSpan.Zero)
            {
                await Task.Delay(hub.Handshakes.Delay, context.RequestAborted).ConfigureAwait(false);
            }

            decision = server.Unavailable ? null : await DecideAsync(context, requested).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            return null;
        }
        finally
        {
            hub.Handshakes.Ended();
        }

        if (decision is not { } decided)
        {
            hub.CountUnavailable();
            logger.HandshakeUnavailable(_kind.Name, requested);
            context.Response.StatusCode = StatusCodes.Status503ServiceUnavailable;
            return null;
        }

        if (decided.Refusal is var (status, reason))
        {
            hub.CountRefused(decided.StreamId);
            logger.HandshakeRefused(_kind.Name, decided.StreamId, status, reason);
            context.Response.StatusCode = status;
            return null;
        }

        try
        {
            // The client offered `bearer` whenever it sent a token, which /v1/events requires; an anonymous
            // transcript client may offer nothing, and then gets no subprotocol back.
            var subProtocol = BearerSubprotocol.IsOffered(context.Request.Headers.SecWebSocketProtocol) ? BearerSubprotocol.Name : null;
            var webSocket = await context.WebSockets
                .AcceptWebSocketAsync(new WebSocketAcceptContext { SubProtocol = subProtocol })
                .ConfigureAwait(false);
            return (decided.StreamId!, decided.User, webSocket);
        }
        catch (Exception ex) when (ex is IOException or WebSocketException or OperationCanceledException)
        {
            return null;
        }
    }

    // Refusal mode and the token are the same for both kinds: an offered token that fails validation is
    // refused even where none is needed (no fallback to anonymous). The kind decides the rest.
    private async Task<HandshakeDecision> DecideAsync(HttpContext context, string? requested)
    {
        if (server.RefuseAll)
        {
            return HandshakeDecision.Refuse(requested, StatusCodes.Status403Forbidden, "refusal mode");
        }

        string? user = null;
        if (BearerSubprotocol.FindToken(context.Request.Headers.SecWebSocketProtocol) is { } token)
        {
            var (subject, reason) = await tokens.ValidateAsync(token).ConfigureAwait(false);
            if (subject is null)
            {
                return HandshakeDecision.Refuse(requested, StatusCodes.Status403Forbidden, reason ?? "invalid token");
            }

            user = subject;
        }

        return _kind.Admit(requested, user);
    }

    private async Task RunAsync(HttpContext context, EventSocket socket)
    {
        WebSocketCloseStatus? closeStatus = null;
        try
        {
            if (!hub.TryRegister(socket))
            {
                // An outage began while this upgrade was in flight: it is dropped like the others.
                socket.Abort();
                return;
            }

            logger.SocketOpened(_kind.Name, socket.StreamId, socket.User);
            closeStatus = await socket.RunAsync(context.RequestAborted).ConfigureAwait(false);
        }
        finally
        {
            hub.Unregister(socket, closeStatus);
            if (socket.WasAborted)
            {
                // Tear the TCP connection down too, so the client sees a drop and not a tidy end.
                context.Abort();
            }

            logger.SocketEnded(_kind.Name, socket.StreamId, closeStatus);
            socket.MarkEnded();
        }
    }
}
