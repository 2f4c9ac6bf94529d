using System.Net.WebSockets;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace Reflector.Simulator;

// GET /v1/transcripts/{transcript_id}/events: Reflector's per-transcript socket. The token is optional;
// every refusal happens before the upgrade, so a client sees a plain HTTP status and never a close code.
internal sealed class TranscriptEventsEndpoint(
    TranscriptSocketHub hub,
    TranscriptStore store,
    TokenAuthority tokens,
    ILogger<TranscriptEventsEndpoint> logger)
{
    public const string Route = "/v1/transcripts/{transcriptId}/events";

    // The form the relay is configured with: a literal {id} where the transcript id goes.
    public const string PathTemplate = "/v1/transcripts/{id}/events";

    public async Task HandleAsync(HttpContext context, string transcriptId)
    {
        if (!context.WebSockets.IsWebSocketRequest)
        {
            context.Response.StatusCode = StatusCodes.Status400BadRequest;
            return;
        }

        var accepted = await HandshakeAsync(context, transcriptId).ConfigureAwait(false);
        if (accepted is var (user, webSocket))
        {
            using (webSocket)
            {
                await RunAsync(context, new TranscriptSocket(transcriptId, user, webSocket, store.MaxStoredEvents)).ConfigureAwait(false);
            }
        }
    }

    private async Task<(string? User, WebSocket Socket)?> HandshakeAsync(HttpContext context, string transcriptId)
    {
        if (hub.Unavailable)
        {
            hub.CountUnavailable();
            logger.TranscriptHandshakeUnavailable(transcriptId);
            context.Response.StatusCode = StatusCodes.Status503ServiceUnavailable;
            return null;
        }

        var (user, refusal) = await AuthorizeAsync(context, transcriptId).ConfigureAwait(false);
        if (refusal is var (status, reason))
        {
            hub.CountRefused(transcriptId);
            logger.TranscriptHandshakeRefused(transcriptId, status, reason);
            context.Response.StatusCode = status;
            return null;
        }

        try
        {
            var subProtocol = BearerSubprotocol.IsOffered(context.Request.Headers.SecWebSocketProtocol) ? BearerSubprotocol.Name : null;
            var webSocket = await context.WebSockets
                .AcceptWebSocketAsync(new WebSocketAcceptContext { SubProtocol = subProtocol })
                .ConfigureAwait(false);
            return (user, webSocket);
        }
        catch (Exception ex) when (ex is IOException or WebSocketException or OperationCanceledException)
        {
            return null;
        }
    }

    // Reflector checks the token first (an offered but invalid one is refused even on a public transcript),
    // then the transcript: 404 when there is none, 403 when it is deleted or not shared with this user.
    private async Task<(string? User, (int Status, string Reason)? Refusal)> AuthorizeAsync(HttpContext context, string transcriptId)
    {
        if (hub.RefuseAll)
        {
            return (null, (StatusCodes.Status403Forbidden, "refusal mode"));
        }

        string? user = null;
        if (BearerSubprotocol.FindToken(context.Request.Headers.SecWebSocketProtocol) is { } token)
        {
            var (subject, reason) = await tokens.ValidateAsync(token).ConfigureAwait(false);
            if (subject is null)
            {
                return (null, (StatusCodes.Status403Forbidden, reason ?? "invalid token"));
            }

            user = subject;
        }

        return store.Decide(transcriptId, user) switch
        {
            TranscriptAccess.Allowed => (user, null),
            TranscriptAccess.Missing => (user, (StatusCodes.Status404NotFound, "no such transcript")),
            TranscriptAccess.Deleted => (user, (StatusCodes.Status403Forbidden, "transcript deleted")),
            _ => (user, (StatusCodes.Status403Forbidden, user is null ? "transcript not shared with anonymous clients" : "transcript not shared with this user")),
        };
    }

    private async Task RunAsync(HttpContext context, TranscriptSocket socket)
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

            logger.TranscriptSocketOpened(socket.TranscriptId, socket.User);
            closeStatus = await socket.RunAsync(context.RequestAborted).ConfigureAwait(false);
        }
        finally
        {
            hub.Unregister(socket);
            if (socket.WasAborted)
            {
                // Tear the TCP connection down too, so the client sees a drop and not a tidy end.
                context.Abort();
            }

            logger.TranscriptSocketEnded(socket.TranscriptId, closeStatus);
            socket.MarkEnded();
        }
    }
}
