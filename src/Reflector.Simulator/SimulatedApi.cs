namespace Reflector.Simulator;

// Everything one simulated Reflector API holds: its tokens, its state, its two kinds of sockets, its
// transcripts and the ledger of user events, and the request log. Built once per simulator; the web host
// serves it, and the public SimulatedReflector and the /dev endpoints drive it.
internal sealed class SimulatedApi : IDisposable
{
    public SimulatedApi(SimulatorOptions options, TimeProvider time)
    {
        Transcripts = new TranscriptStore(options.MaxStoredEventsPerTranscript);
        UserSockets = new SocketHub<UserEventSockets>(new UserEventSockets(), Server);
        TranscriptSockets = new SocketHub<TranscriptEventSockets>(new TranscriptEventSockets(Transcripts), Server);
        Tokens = new TokenAuthority(options, time);
    }

    public ServerState Server { get; } = new();

    public TokenAuthority Tokens { get; }

    public TranscriptStore Transcripts { get; }

    public TranscriptLedger Ledger { get; } = new();

    public RequestLog Requests { get; } = new();

    public SocketHub<UserEventSockets> UserSockets { get; }

    public SocketHub<TranscriptEventSockets> TranscriptSockets { get; }

    // Cuts every socket of both kinds, as a restart would; they leave the registries at once, so counts are
    // exact when this returns. Waiting for their requests to end is the caller's (EventSocket.WaitUntilEndedAsync).
    public DroppedSockets AbortEverySocket() => new(UserSockets.AbortAll(), TranscriptSockets.AbortAll());

    public void Dispose() => Tokens.Dispose();
}

internal sealed record DroppedSockets(EventSocket[] UserSockets, EventSocket[] TranscriptSockets)
{
    public IEnumerable<EventSocket> All => UserSockets.Concat(TranscriptSockets);
}
