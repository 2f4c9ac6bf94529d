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

        dev.MapPost("/tokens/bulk", (BulkTokenRequest request, TokenAuthority tokens) =>
        {
            if (request.Subs is not { Length: > 0 } subs || Array.Exists(subs, string.IsNullOrWhiteSpace))
            {
                return Results.BadRequest(new ErrorResponse("subs must be a non-empty list of user ids"));
            }

            var lifetime = TimeSpan.FromSeconds(request.TtlSeconds ?? DefaultTtlSeconds);
            return Results.Ok(new BulkTokenResponse([.. subs.Select(sub => tokens.Issue(sub, lifetime, audience: null, extraClaims: null).Token)]));
        });

        // For benchmarks: timestamped, numbered events to many users, at a rate (event n to users[n % users.Length])
        // or in rounds (one event to every user at the same instant); with stamp, the id alone carries run,
        // sequence and send time ("{runId}:{n}:{sentAtMicros}").
        dev.MapPost("/load", async (LoadRequest request, LoadGenerator<UserEventSockets> load, TimeProvider time, CancellationToken cancellationToken) =>
        {
            if (request.Users is not { Length: > 0 } users || string.IsNullOrWhiteSpace(request.RunId))
            {
                return Results.BadRequest(new ErrorResponse("runId and users are required"));
            }

            var events = DurationLoad.Events(request.RunId, users, request.Stamp is true, time);
            LoadTally tally;
            if (request.Mode == "burst")
            {
                if (request.Rounds is not (> 0 and <= 10_000))
                {
                    return Results.BadRequest(new ErrorResponse("rounds must be between 1 and 10000"));
                }

                tally = await load.RunBurstAsync(request.Rounds, users.Length, TimeSpan.FromMilliseconds(request.IntervalMs), events, cancellationToken).ConfigureAwait(false);
            }
            else if (request.EventsPerSecond is > 0 and <= 1_000_000 && request.Seconds is > 0 and <= 3600)
            {
                tally = await load.RunRateAsync(request.EventsPerSecond, TimeSpan.FromSeconds(request.Seconds), events, cancellationToken).ConfigureAwait(false);
            }
            else
            {
                return Results.BadRequest(new ErrorResponse("eventsPerSecond must be in (0, 1000000] and seconds in (0, 3600]"));
            }

            return Results.Ok(new LoadResult(request.RunId, tally.Sent, tally.Delivered, tally.Missed, tally.Seconds));
        });

        dev.MapPost("/events", async (EventRequest request, SimulatedApi api, CancellationToken cancellationToken) =>
        {
            if (string.IsNullOrWhiteSpace(request.UserId) || string.IsNullOrWhiteSpace(request.Event))
            {
                return Results.BadRequest(new ErrorResponse("userId and event are required"));
            }

            var data = GivenOr(request.Data, () => SampleEventData.For(request.Event));
            return Results.Ok(new EventResponse(await api.EmitUserEventAsync(request.UserId, request.Event, data, cancellationToken).ConfigureAwait(false)));
        });

        // Dropped counts user-events sockets, as it always has; TranscriptSockets the per-transcript ones cut with them.
        dev.MapPost("/drop", async (SimulatedApi api) =>
        {
            var dropped = await api.DropEverySocketAsync("drop").ConfigureAwait(false);
            return Results.Ok(new DropResponse(dropped.UserSockets.Length, dropped.TranscriptSockets.Length));
        });

        dev.MapGet("/stats", (SimulatedApi api) => Results.Ok(new StatsResponse(
            api.UserSockets.Handshakes.TotalAccepted,
            api.UserSockets.Handshakes.TotalRefused,
            api.UserSockets.Handshakes.Unavailable,
            api.UserSockets.TotalOpenSockets,
            api.UserSockets.OpenSocketsByStream(),
            api.Server.RefuseAll,
            api.Server.Outage,
            api.TranscriptSockets.Handshakes.TotalAccepted,
            api.TranscriptSockets.Handshakes.TotalRefused,
            api.TranscriptSockets.Handshakes.Unavailable,
            api.TranscriptSockets.TotalOpenSockets)));

        // Reflector's GET /v1/transcripts, reduced to what the emitted events said; deleted ones are in the trash.
        dev.MapGet("/transcripts", (string? userId, TranscriptLedger ledger) => string.IsNullOrWhiteSpace(userId)
            ? Results.BadRequest(new ErrorResponse("userId is required"))
            : Results.Ok(ledger.Of(userId)));

        TranscriptDevEndpoints.Map(dev);

        dev.MapGet("/public-key", (TokenAuthority tokens) => Results.Text(tokens.PublicKeyPem, "text/plain"));
    }

    // The data a request gave, or a sample when it gave none (or null).
    internal static JsonElement GivenOr(JsonElement? given, Func<object> sample) =>
        given is { ValueKind: not JsonValueKind.Null and not JsonValueKind.Undefined } data ? data : JsonSerializer.SerializeToElement(sample());

    internal sealed record TokenRequest(string? Sub, double? TtlSeconds);

    internal sealed record TokenResponse(string Token, DateTimeOffset ExpiresAt);

    internal sealed record BulkTokenRequest(string[]? Subs, double? TtlSeconds);

    internal sealed record BulkTokenResponse(string[] Tokens);

    internal sealed record LoadRequest(string? RunId, string[]? Users, string? Mode, double EventsPerSecond, double Seconds, int Rounds, int IntervalMs, bool? Stamp);

    internal sealed record EventRequest(string? UserId, string? Event, JsonElement? Data);

    internal sealed record EventResponse(int Delivered);

    internal sealed record DropResponse(int Dropped, int TranscriptSockets);

    internal sealed record StatsResponse(
        int TotalHandshakes,
        int RefusedHandshakes,
        int UnavailableHandshakes,
        int TotalOpenSockets,
        IReadOnlyDictionary<string, int> OpenSockets,
        bool RefuseAll,
        bool Outage,
        int TranscriptHandshakes,
        int TranscriptRefusedHandshakes,
        int TranscriptUnavailableHandshakes,
        int TranscriptOpenSockets);

    internal sealed record ErrorResponse(string Error);
}
