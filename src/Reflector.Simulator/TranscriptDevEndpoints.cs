using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using static Reflector.Simulator.DevEndpoints;

namespace Reflector.Simulator;

// /dev helpers for the per-transcript endpoint: create a transcript, emit to it, delete it, cut its
// sockets, read its counters, and play a live meeting at a rate. Reflector itself has none of these.
internal static class TranscriptDevEndpoints
{
    public static void Map(RouteGroupBuilder dev)
    {
        dev.MapPost("/transcripts", (CreateTranscriptRequest? request, TranscriptStore store) =>
        {
            request ??= new CreateTranscriptRequest(null, null, null, null);
            var shareMode = TranscriptShareMode.Private;
            if (request.ShareMode is not null && !TranscriptShareModes.TryParse(request.ShareMode, out shareMode))
            {
                return Results.BadRequest(new ErrorResponse("shareMode must be private, semi-private or public"));
            }

            if (request.Id is not null && string.IsNullOrWhiteSpace(request.Id))
            {
                return Results.BadRequest(new ErrorResponse("id cannot be blank"));
            }

            var owner = string.IsNullOrWhiteSpace(request.Owner) ? null : request.Owner;
            if (request.Source is not (null or "live" or "upload"))
            {
                return Results.BadRequest(new ErrorResponse("source must be live or upload"));
            }

            return store.TryCreate(owner, shareMode, request.Id, out var id, uploaded: request.Source == "upload")
                ? Results.Ok(new TranscriptResponse(id, owner, shareMode.ToWire()))
                : Results.Conflict(new ErrorResponse($"transcript {request.Id} already exists"));
        });

        // data omitted: sample data for the kind, from the transcript's own meeting (DURATION grows, TOPIC gets a new id).
        dev.MapPost("/transcripts/{id}/events", async (string id, TranscriptEventRequest request, TranscriptStore store, SimulatedApi api, CancellationToken cancellationToken) =>
        {
            if (string.IsNullOrWhiteSpace(request.Event))
            {
                return Results.BadRequest(new ErrorResponse("event is required"));
            }

            if (store.SampleMeetingOf(id) is not { } meeting)
            {
                return NoSuchTranscript(id);
            }

            var data = GivenOr(request.Data, () => meeting.Next(request.Event));
            var delivered = await api.EmitTranscriptEventAsync(id, request.Event, data, cancellationToken).ConfigureAwait(false);
            return delivered is { } count
                ? Results.Ok(new TranscriptEventResponse(count, TranscriptStore.IsStored(request.Event)))
                : NoSuchTranscript(id);
        });

        dev.MapDelete("/transcripts/{id}", (string id, TranscriptStore store) => store.TryDelete(id)
            ? Results.Ok(new TranscriptDeletedResponse(id, Deleted: true))
            : NoSuchTranscript(id));

        dev.MapPost("/transcripts/{id}/drop", async (string id, TranscriptStore store, SimulatedApi api) =>
        {
            if (!store.Exists(id))
            {
                return NoSuchTranscript(id);
            }

            var dropped = await api.DropTranscriptAsync(id).ConfigureAwait(false);
            return Results.Ok(new DropResponse(dropped, TranscriptSockets: dropped));
        });

        dev.MapGet("/transcripts/{id}/stats", (string id, TranscriptStore store, SocketHub<TranscriptEventSockets> hub) =>
        {
            if (store.Describe(id) is not { } transcript)
            {
                return NoSuchTranscript(id);
            }

            var (signedIn, anonymous) = hub.OpenSocketsByUser(id);
            return Results.Ok(new TranscriptStatsResponse(
                transcript.Id,
                transcript.Owner,
                transcript.ShareMode.ToWire(),
                transcript.Deleted,
                transcript.StoredEvents,
                transcript.ForgottenEvents,
                hub.Handshakes.Accepted(id),
                hub.Handshakes.Refused(id),
                hub.OpenSockets(id),
                signedIn,
                anonymous));
        });

        // For benchmarks: a live meeting's traffic (TRANSCRIPT, TOPIC, WAVEFORM, DURATION) at a rate, for a bounded time.
        // runId (optional) stamps TRANSCRIPT texts and TOPIC ids with "{runId}:{sequence}:{sentAtMicros}";
        // topicSegments (optional, default 3) sets how many segments, and so how many KB, a TOPIC carries.
        dev.MapPost("/transcripts/{id}/load", async (string id, TranscriptLoadRequest request, TranscriptStore store, LoadGenerator<TranscriptEventSockets> load, TimeProvider time, CancellationToken cancellationToken) =>
        {
            if (request.EventsPerSecond is not (> 0 and <= 100_000) || request.Seconds is not (> 0 and <= 3600))
            {
                return Results.BadRequest(new ErrorResponse("eventsPerSecond must be in (0, 100000] and seconds in (0, 3600]"));
            }

            if (request.RunId is { } runId && (string.IsNullOrWhiteSpace(runId) || runId.Contains(':', StringComparison.Ordinal) || runId.Length > 100))
            {
                return Results.BadRequest(new ErrorResponse("runId must be 1 to 100 characters without ':'"));
            }

            if (request.TopicSegments is not (null or (> 0 and <= 1_000)))
            {
                return Results.BadRequest(new ErrorResponse("topicSegments must be in [1, 1000]"));
            }

            if (store.SampleMeetingOf(id) is not { } meeting)
            {
                return NoSuchTranscript(id);
            }

            var plan = new TranscriptLoad(request.EventsPerSecond, TimeSpan.FromSeconds(request.Seconds), request.RunId, request.TopicSegments ?? SampleMeeting.TopicSegments);
            var events = new MeetingLoad(id, meeting, plan, time);
            var tally = await load.RunRateAsync(plan.EventsPerSecond, plan.Duration, events.Next, cancellationToken).ConfigureAwait(false);
            return Results.Ok(new TranscriptLoadResult(id, tally.Sent, tally.Delivered, tally.Seconds, events.SentByEvent));
        });
    }

    private static IResult NoSuchTranscript(string id) => Results.NotFound(new ErrorResponse($"no transcript {id}"));

    // Source: "live" (the default; topics with segments) or "upload" (topics with words, as the file pipeline sends them).
    internal sealed record CreateTranscriptRequest(string? Owner, string? ShareMode, string? Id, string? Source);

    internal sealed record TranscriptResponse(string Id, string? Owner, string ShareMode);

    internal sealed record TranscriptEventRequest(string? Event, JsonElement? Data);

    internal sealed record TranscriptEventResponse(int Delivered, bool Stored);

    internal sealed record TranscriptDeletedResponse(string Id, bool Deleted);

    internal sealed record TranscriptLoadRequest(double EventsPerSecond, double Seconds, string? RunId = null, int? TopicSegments = null);

    internal sealed record TranscriptStatsResponse(
        string Id,
        string? Owner,
        string ShareMode,
        bool Deleted,
        int StoredEvents,
        long ForgottenEvents,
        int Handshakes,
        int RefusedHandshakes,
        int OpenSockets,
        IReadOnlyDictionary<string, int> OpenSocketsByUser,
        int AnonymousOpenSockets);
}
