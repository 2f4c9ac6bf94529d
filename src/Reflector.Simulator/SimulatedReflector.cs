using System.Net.WebSockets;
using System.Text.Json;

namespace Reflector.Simulator;

// A running simulated Reflector API: a real Kestrel WebSocket server on loopback plus the knobs
// tests need to deliver events, count handshakes and inject failures. Every knob is a call into
// the parts (SimulatedApi); running the server is SimulatorHost's.
public sealed class SimulatedReflector : IAsyncDisposable
{
    private readonly SimulatorHost _host;
    private readonly SimulatedApi _api;
    private readonly SocketHub<UserEventSockets> _users;
    private readonly SocketHub<TranscriptEventSockets> _transcripts;

    private SimulatedReflector(SimulatorHost host)
    {
        _host = host;
        _api = host.Api;
        _users = _api.UserSockets;
        _transcripts = _api.TranscriptSockets;
        var baseAddress = BaseAddress = host.BaseAddress;
        EventsUrl = new UriBuilder(baseAddress)
        {
            Scheme = baseAddress.Scheme == Uri.UriSchemeHttps ? Uri.UriSchemeWss : Uri.UriSchemeWs,
            Path = UserEventSockets.Path,
        }.Uri;
        // In the form the relay takes as Upstream:TranscriptEventsUrl.
        TranscriptEventsUrlTemplate = new Uri(EventsUrl.GetLeftPart(UriPartial.Authority) + "/v1/transcripts/" + TranscriptIdPlaceholder + "/events");
    }

    public Uri BaseAddress { get; }

    public Uri EventsUrl { get; }

    // ws://host:port/v1/transcripts/{id}/events with a literal {id} (read it with ToString(), which keeps the
    // braces), the form the relay's Upstream:TranscriptEventsUrl takes.
    public const string TranscriptIdPlaceholder = "{transcriptId}";

    public Uri TranscriptEventsUrlTemplate { get; }

    public string Audience => _api.Tokens.Audience;

    public string PublicKeyPem => _api.Tokens.PublicKeyPem;

    /// <summary>The secret of the password backend, as Reflector's <c>SECRET_KEY</c>.</summary>
    public string SecretKey => _api.Tokens.SecretKey;

    public int TotalHandshakes => _users.Handshakes.TotalAccepted;

    public int RefusedHandshakes => _users.Handshakes.TotalRefused;

    /// <summary>
    /// User-event handshakes answered 503 during an outage or shutdown, all users together: each is an attempt the
    /// client really made. Counted before the answer is sent.
    /// </summary>
    public int UnavailableHandshakes => _users.Handshakes.Unavailable;

    public int TotalOpenSockets => _users.TotalOpenSockets;

    public IReadOnlyList<WebSocketCloseStatus?> ClientCloseStatuses => _users.ClientCloseStatuses;

    // Refuses every token, on both endpoints.
    public bool RefuseAll
    {
        get => _api.Server.RefuseAll;
        set => _api.Server.RefuseAll = value;
    }

    // How long each /v1/events upgrade takes before it is answered; makes concurrent handshakes overlap, as on a loaded API.
    public TimeSpan HandshakeDelay
    {
        get => _users.Handshakes.Delay;
        set => _users.Handshakes.Delay = value;
    }

    // The most /v1/events upgrades that were in progress at once since the last reset.
    public int PeakConcurrentHandshakes => _users.Handshakes.PeakInFlight;

    public void ResetPeakConcurrentHandshakes() => _users.Handshakes.ResetPeakInFlight();

    public static Task<SimulatedReflector> StartAsync(SimulatorOptions options, CancellationToken cancellationToken = default) =>
        StartAsync(options, standalone: false, cancellationToken);

    internal static async Task<SimulatedReflector> StartAsync(SimulatorOptions options, bool standalone, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(options);
        var host = await SimulatorHost.StartAsync(options, standalone, cancellationToken).ConfigureAwait(false);
        return new SimulatedReflector(host);
    }

    public string IssueToken(string subject, TimeSpan lifetime, string? audience = null, IDictionary<string, object?>? extraClaims = null) =>
        _api.Tokens.Issue(subject, lifetime, audience, extraClaims).Token;

    /// <summary>A token of Reflector's password auth backend (HS256 over <see cref="SimulatorOptions.SecretKey"/>).</summary>
    public string IssuePasswordToken(string subject, TimeSpan lifetime) => _api.Tokens.IssuePassword(subject, lifetime).Token;

    public Task<int> EmitAsync(string userId, string eventName, object data, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(userId);
        ArgumentNullException.ThrowIfNull(eventName);
        return _api.EmitUserEventAsync(userId, eventName, JsonSerializer.SerializeToElement(data), ct);
    }

    public Task<int> SendRawAsync(string userId, ReadOnlyMemory<byte> payload, WebSocketMessageType type, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(userId);
        if (type == WebSocketMessageType.Close)
        {
            throw new ArgumentOutOfRangeException(nameof(type), type, "Only text or binary frames can be sent raw.");
        }

        return _users.SendAsync(userId, new OutgoingFrame(payload.ToArray(), type), ct);
    }

    // Sends one message split into continuation frames of fragmentSize bytes, as WebSocket servers may.
    public Task<int> SendFragmentedAsync(string userId, ReadOnlyMemory<byte> payload, int fragmentSize, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(userId);
        ArgumentOutOfRangeException.ThrowIfLessThan(fragmentSize, 1);
        return _users.SendAsync(userId, new OutgoingFrame(payload.ToArray(), WebSocketMessageType.Text, fragmentSize), ct);
    }

    public int Handshakes(string userId) => _users.Handshakes.Accepted(userId);

    public int OpenSockets(string userId) => _users.OpenSockets(userId);

    // Cuts every socket, user events and transcripts alike.
    public Task DropAllAsync() => _api.DropEverySocketAsync("drop");

    // Closes every open /v1/events socket from the server side with the given code (4401 is Reflector's "unauthorized").
    public Task<int> CloseAllAsync(int closeCode, CancellationToken ct = default) =>
        _users.CloseAllAsync((WebSocketCloseStatus)closeCode, ct);

    // Cuts every socket and answers every handshake with 503 until EndOutage.
    public void BeginOutage() => _api.BeginOutage();

    public void EndOutage() => _api.Server.EndOutage();

    // Completes once the user has had at least count accepted handshakes since start.
    public Task WaitForHandshakesAsync(string userId, int count, TimeSpan timeout) =>
        _users.WaitForHandshakesAsync(userId, count, timeout);

    // Completes once the user has exactly count open sockets, so it serves both "connected" and "all closed".
    public Task WaitForOpenSocketsAsync(string userId, int count, TimeSpan timeout) =>
        _users.WaitForOpenSocketsAsync(userId, count, timeout);

    // The per-transcript endpoint. A transcript without an owner is open to anyone whatever its share mode.
    // Returns the id: the one given, or a new UUID.
    // uploaded: an uploaded file's transcript, whose sample topics carry words, as Reflector's file pipeline sends them.
    public string CreateTranscript(string? owner, TranscriptShareMode shareMode, string? id = null, bool uploaded = false)
    {
        if (id is { Length: 0 })
        {
            throw new ArgumentException("A transcript id cannot be empty.", nameof(id));
        }

        return _api.Transcripts.TryCreate(owner, shareMode, id, out var created, uploaded)
            ? created
            : throw new InvalidOperationException($"Transcript {id} already exists.");
    }

    // Soft delete, as Reflector's trash: new handshakes are refused with 403, open sockets stay open and
    // keep receiving whatever is still emitted.
    public void DeleteTranscript(string transcriptId)
    {
        ArgumentNullException.ThrowIfNull(transcriptId);
        if (!_api.Transcripts.TryDelete(transcriptId))
        {
            throw new KeyNotFoundException($"No transcript {transcriptId}.");
        }
    }

    public Uri TranscriptEventsUrl(string transcriptId)
    {
        ArgumentNullException.ThrowIfNull(transcriptId);
        return new Uri(TranscriptEventsUrlTemplate.ToString().Replace(TranscriptIdPlaceholder, Uri.EscapeDataString(transcriptId), StringComparison.Ordinal));
    }

    // Stores the event (all but TRANSCRIPT and STATUS, which are live only) and sends it to the transcript's
    // open sockets; returns how many it reached. data is serialized as given, so use Reflector's snake_case names.
    public async Task<int> EmitTranscriptEventAsync(string transcriptId, string eventName, object data, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(transcriptId);
        ArgumentNullException.ThrowIfNull(eventName);
        return await _api.EmitTranscriptEventAsync(transcriptId, eventName, JsonSerializer.SerializeToElement(data), ct).ConfigureAwait(false)
            ?? throw new KeyNotFoundException($"No transcript {transcriptId}.");
    }

    // How many events a new socket would be replayed.
    public int StoredTranscriptEvents(string transcriptId) =>
        _api.Transcripts.Describe(transcriptId)?.StoredEvents ?? throw new KeyNotFoundException($"No transcript {transcriptId}.");

    // Aborts the transcript's open sockets, as a network cut would; a reconnecting client gets the replay again.
    public Task DropTranscriptAsync(string transcriptId)
    {
        ArgumentNullException.ThrowIfNull(transcriptId);
        return _api.DropTranscriptAsync(transcriptId);
    }

    // Handshakes answered with an open socket, counted just after the answer, as for user events.
    public int TranscriptHandshakes(string transcriptId) => _transcripts.Handshakes.Accepted(transcriptId);

    // Handshakes refused before the upgrade (403, or 404 for a transcript that never existed).
    public int TranscriptRefusedHandshakes(string transcriptId) => _transcripts.Handshakes.Refused(transcriptId);

    public int TranscriptOpenSockets(string transcriptId) => _transcripts.OpenSockets(transcriptId);

    // One user's sockets on the transcript; user null counts the anonymous ones.
    public int TranscriptOpenSockets(string transcriptId, string? user) => _transcripts.OpenSockets(transcriptId, user);

    public int TotalTranscriptOpenSockets => _transcripts.TotalOpenSockets;

    // Transcript handshakes refused (403, 404), all transcripts together.
    public int TotalTranscriptRefusedHandshakes => _transcripts.Handshakes.TotalRefused;

    // TCP connections the server has accepted: each WebSocket handshake opens one, even one Kestrel refuses unparsed.
    public long TotalConnections => _api.Requests.Connections;

    // Every HTTP request the server has received, any path, matched or not (a WebSocket upgrade is one).
    public long TotalRequests => _api.Requests.Total;

    // The newest requests' targets (up to 10,000) as sent on the request line, undecoded and without the query:
    // "/v1/transcripts/abc/events", or "/v1/transcripts/../events" exactly as a client wrote it.
    public IReadOnlyList<string> RecentRequestTargets() => _api.Requests.Recent();

    public Task WaitForTranscriptHandshakesAsync(string transcriptId, int count, TimeSpan timeout) =>
        _transcripts.WaitForHandshakesAsync(transcriptId, count, timeout);

    public Task WaitForTranscriptRefusedHandshakesAsync(string transcriptId, int count, TimeSpan timeout) =>
        _transcripts.WaitForRefusedHandshakesAsync(transcriptId, count, timeout);

    // Completes once the transcript has exactly count open sockets.
    public Task WaitForTranscriptOpenSocketsAsync(string transcriptId, int count, TimeSpan timeout) =>
        _transcripts.WaitForOpenSocketsAsync(transcriptId, count, timeout);

    // Completes once the user (null: anonymous clients) has exactly count open sockets on the transcript.
    public Task WaitForTranscriptOpenSocketsAsync(string transcriptId, string? user, int count, TimeSpan timeout) =>
        _transcripts.WaitForOpenSocketsAsync(transcriptId, user, count, timeout);

    internal Task WaitForShutdownAsync() => _host.WaitForShutdownAsync();

    public ValueTask DisposeAsync() => _host.DisposeAsync();
}
