using System.Text.Json;
using Microsoft.Extensions.Logging;

namespace Reflector.Simulator;

// Everything one simulated Reflector API holds (its tokens, its state, its two kinds of sockets, its
// transcripts, the ledger of user events, the request log) and what both the public SimulatedReflector
// and the /dev endpoints do with it: emit, drop, begin an outage.
internal sealed class SimulatedApi
{
    private readonly ILogger _logger;

    public SimulatedApi(SimulatorOptions options, TokenAuthority tokens, RequestLog requests, ILogger<SimulatedApi> logger)
    {
        _logger = logger;
        Tokens = tokens;
        Requests = requests;
        Transcripts = new TranscriptStore(options.MaxStoredEventsPerTranscript);
        UserSockets = new SocketHub<UserEventSockets>(new UserEventSockets(), Server);
        TranscriptSockets = new SocketHub<TranscriptEventSockets>(new TranscriptEventSockets(Transcripts), Server);
    }

    public ServerState Server { get; } = new();

    public TokenAuthority Tokens { get; }

    public TranscriptStore Transcripts { get; }

    public TranscriptLedger Ledger { get; } = new();

    public RequestLog Requests { get; }

    public SocketHub<UserEventSockets> UserSockets { get; }

    public SocketHub<TranscriptEventSockets> TranscriptSockets { get; }

    // Sends the event to the user's open sockets (a user with none misses it, as in Reflector) and notes in
    // the ledger what it says about the transcript it names. Returns how many sockets it reached.
    public async Task<int> EmitUserEventAsync(string userId, string eventName, JsonElement data, CancellationToken cancellationToken)
    {
        Ledger.Record(userId, eventName, data);
        return await UserSockets.PublishAsync(userId, eventName, EventFrame.Serialize(eventName, data), cancellationToken).ConfigureAwait(false) ?? 0;
    }

    // Stores the event (all but TRANSCRIPT and STATUS) and sends it to the transcript's open sockets. Returns
    // how many sockets it reached, or null when there is no such transcript.
    public Task<int?> EmitTranscriptEventAsync(string transcriptId, string eventName, JsonElement data, CancellationToken cancellationToken) =>
        TranscriptSockets.PublishAsync(transcriptId, eventName, EventFrame.Serialize(eventName, data), cancellationToken);

    // Cuts every socket of both kinds, as a restart would, and waits (bounded) for their requests to end.
    public async Task<DroppedSockets> DropEverySocketAsync(string cause)
    {
        var dropped = AbortEverySocket(cause);
        await EventSocket.WaitUntilEndedAsync(dropped.UserSockets.Concat(dropped.TranscriptSockets)).ConfigureAwait(false);
        return dropped;
    }

    // Cuts the transcript's sockets, as a network cut would; a reconnecting client gets the replay again.
    public async Task<int> DropTranscriptAsync(string transcriptId)
    {
        var dropped = TranscriptSockets.Abort(transcriptId);
        _logger.SocketsAborted(userSockets: 0, dropped.Length, "transcript drop");
        await EventSocket.WaitUntilEndedAsync(dropped).ConfigureAwait(false);
        return dropped.Length;
    }

    // The flag first, then the aborts: an upgrade in flight is either aborted with the others or refused.
    public void BeginOutage()
    {
        Server.BeginOutage();
        AbortEverySocket("outage");
    }

    public Task ShutDownAsync()
    {
        Server.ShutDown();
        return DropEverySocketAsync("shutdown");
    }

    // The sockets leave the registries at once, so counts are exact when this returns.
    private DroppedSockets AbortEverySocket(string cause)
    {
        var dropped = new DroppedSockets(UserSockets.AbortAll(), TranscriptSockets.AbortAll());
        _logger.SocketsAborted(dropped.UserSockets.Length, dropped.TranscriptSockets.Length, cause);
        return dropped;
    }
}

internal sealed record DroppedSockets(EventSocket[] UserSockets, EventSocket[] TranscriptSockets);
