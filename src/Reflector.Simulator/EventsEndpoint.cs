using System.Net.WebSockets;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace Reflector.Simulator;

// GET /v1/events: Reflector's user-events socket. Every refusal happens before the upgrade,
// so a client sees a plain HTTP status rather than a close frame.
internal sealed class EventsEndpoint(SocketHub hub, TokenAuthority tokens, ILogger<EventsEndpoint> logger)
{
    public const string Path = "/v1/events";

    public async Task HandleAsync(HttpContext context)
    {
        if (!context.WebSockets.IsWebSocketRequest)
        {
            context.Response.StatusCode = StatusCodes.Status400BadRequest;
            return;
        }

        var accepted = await HandshakeAsync(context).ConfigureAwait(false);
        if (accepted is var (userId, webSocket))
        {
            using (webSocket)
            {
                await RunAsync(context, new UserSocket(userId, webSocket)).ConfigureAwait(false);
            }
        }
    }

    // Everything up to the accepted upgrade: the part a slow or refusing API spends its time in.
    private async Task<(string UserId, WebSocket Socket)?> HandshakeAsync(HttpContext context)
    {
        // Counted as in progress until the decision, and so before any byte of the answer can reach the client.
        string? userId;
        bool unavailable;
        hub.HandshakeStarted();
        try
        {
            if (hub.HandshakeDelay > TimeSpan.Zero)
            {
                await Task.Delay(hub.HandshakeDelay, context.RequestAborted).ConfigureAwait(false);
            }

            unavailable = hub.Unavailable;
            userId = unavailable ? null : await AuthenticateAsync(context).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            return null;
        }
        finally
        {
            hub.HandshakeEnded();
        }

        if (unavailable)
        {
            hub.CountUnavailable();
            logger.HandshakeUnavailable();
            context.Response.StatusCode = StatusCodes.Status503ServiceUnavailable;
            return null;
        }

        if (userId is null)
        {
            hub.CountRefused();
            context.Response.StatusCode = StatusCodes.Status403Forbidden;
            return null;
        }

        try
        {
            var webSocket = await context.WebSockets
                .AcceptWebSocketAsync(new WebSocketAcceptContext { SubProtocol = BearerSubprotocol.Name })
                .ConfigureAwait(false);
            return (userId, webSocket);
        }
        catch (Exception ex) when (ex is IOException or WebSocketException or OperationCanceledException)
        {
            return null;
        }
    }

    private async Task<string?> AuthenticateAsync(HttpContext context)
    {
        if (hub.RefuseAll)
        {
            logger.HandshakeRefused("refusal mode");
            return null;
        }

        var token = BearerSubprotocol.FindToken(context.Request.Headers.SecWebSocketProtocol);
        if (token is null)
        {
            logger.HandshakeRefused("no bearer subprotocol");
            return null;
        }

        var (subject, reason) = await tokens.ValidateAsync(token).ConfigureAwait(false);
        if (subject is null)
        {
            logger.HandshakeRefused(reason ?? "invalid token");
        }

        return subject;
    }

    private async Task RunAsync(HttpContext context, UserSocket socket)
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

            logger.SocketOpened(socket.UserId);
            closeStatus = await socket.ReadUntilClosedAsync(context.RequestAborted).ConfigureAwait(false);
        }
        finally
        {
            hub.Unregister(socket, closeStatus);
            if (socket.WasAborted)
            {
                // Tear the TCP connection down too, so the client sees a drop and not a tidy end.
                context.Abort();
            }

            logger.SocketEnded(socket.UserId, closeStatus);
            socket.MarkEnded();
        }
    }
}
