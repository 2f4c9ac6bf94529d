using System.Net.WebSockets;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace Reflector.Simulator;

// Helpers for people and demos; Reflector itself has none of these. They mint tokens for anyone,
// which is why the simulator binds to loopback by default.
internal static class DevEndpoints
{
    private const int DefaultTtlSeconds = 3600;

    public static void Map(IEndpointRouteBuilder routes)
    {
        var dev = routes.MapGroup("/dev");

        dev.MapPost("/tokens", (TokenRequest request, TokenAuthority tokens) =>
        {
            if (string.IsNullOrWhiteSpace(request.Sub))
            {
                return Results.BadRequest(new ErrorResponse("sub is required"));
            }

            var issued = tokens.Issue(request.Sub, TimeSpan.FromSeconds(request.TtlSeconds ?? DefaultTtlSeconds), audience: null, extraClaims: null);
            return Results.Ok(new TokenResponse(issued.Token, issued.ExpiresAt));
        });

        dev.MapPost("/events", async (EventRequest request, SocketHub hub, TranscriptLedger ledger, CancellationToken cancellationToken) =>
        {
            if (string.IsNullOrWhiteSpace(request.UserId) || string.IsNullOrWhiteSpace(request.Event))
            {
                return Results.BadRequest(new ErrorResponse("userId and event are required"));
            }

            object data = request.Data is { ValueKind: not JsonValueKind.Null and not JsonValueKind.Undefined } given
                ? given
                : SampleEventData.For(request.Event);
            ledger.Record(request.UserId, request.Event, JsonSerializer.SerializeToElement(data));
            var frame = EventFrame.Serialize(request.Event, data);
            var delivered = await hub.SendAsync(request.UserId, frame, WebSocketMessageType.Text, cancellationToken).ConfigureAwait(false);
            return Results.Ok(new EventResponse(delivered));
        });

        dev.MapPost("/drop", async (SocketHub hub) =>
        {
            var dropped = hub.AbortAll();
            await SocketHub.WaitUntilEndedAsync(dropped).ConfigureAwait(false);
            return Results.Ok(new DropResponse(dropped.Length));
        });

        dev.MapGet("/stats", (SocketHub hub) => Results.Ok(new StatsResponse(
            hub.TotalHandshakes,
            hub.RefusedHandshakes,
            hub.UnavailableHandshakes,
            hub.TotalOpenSockets,
            hub.OpenSocketsByUser(),
            hub.RefuseAll,
            hub.Outage)));

        // Reflector's GET /v1/transcripts, reduced to what the emitted events said; deleted ones are in the trash.
        dev.MapGet("/transcripts", (string? userId, TranscriptLedger ledger) => string.IsNullOrWhiteSpace(userId)
            ? Results.BadRequest(new ErrorResponse("userId is required"))
            : Results.Ok(ledger.Of(userId)));

        dev.MapGet("/public-key", (TokenAuthority tokens) => Results.Text(tokens.PublicKeyPem, "text/plain"));
    }

    internal sealed record TokenRequest(string? Sub, double? TtlSeconds);

    internal sealed record TokenResponse(string Token, DateTimeOffset ExpiresAt);

    internal sealed record EventRequest(string? UserId, string? Event, JsonElement? Data);

    internal sealed record EventResponse(int Delivered);

    internal sealed record DropResponse(int Dropped);

    internal sealed record StatsResponse(
        int TotalHandshakes,
        int RefusedHandshakes,
        int UnavailableHandshakes,
        int TotalOpenSockets,
        IReadOnlyDictionary<string, int> OpenSockets,
        bool RefuseAll,
        bool Outage);

    internal sealed record ErrorResponse(string Error);
}
