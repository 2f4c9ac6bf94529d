using System.Net.WebSockets;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Reflector.Simulator;

// A running simulated Reflector API: a real Kestrel WebSocket server on loopback plus the knobs
// tests need to deliver events, count handshakes and inject failures.
public sealed class SimulatedReflector : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly SocketHub _hub;
    private readonly TokenAuthority _tokens;
    private readonly TranscriptLedger _ledger;
    private readonly TranscriptStore _transcripts;
    private readonly TranscriptSocketHub _transcriptHub;
    private readonly RequestLog _requests;
    private readonly ILogger _logger;
    private int _disposed;

    private SimulatedReflector(
        WebApplication app, SocketHub hub, TokenAuthority tokens, TranscriptLedger ledger, TranscriptStore transcripts, TranscriptSocketHub transcriptHub, RequestLog requests, Uri baseAddress)
    {
        _requests = requests;
        _ledger = ledger;
        _transcripts = transcripts;
        _transcriptHub = transcriptHub;
        _app = app;
        _hub = hub;
        _tokens = tokens;
        _logger = app.Services.GetRequiredService<ILoggerFactory>().CreateLogger<SimulatedReflector>();
        BaseAddress = baseAddress;
        EventsUrl = new UriBuilder(baseAddress)
        {
            Scheme = baseAddress.Scheme == Uri.UriSchemeHttps ? Uri.UriSchemeWss : Uri.UriSchemeWs,
            Path = EventsEndpoint.Path,
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

    public string Audience => _tokens.Audience;

    public string PublicKeyPem => _tokens.PublicKeyPem;

    /// <summary>The secret of the password backend, as Reflector's <c>SECRET_KEY</c>.</summary>
    public string SecretKey => _tokens.SecretKey;

    public int TotalHandshakes => _hub.TotalHandshakes;

    public int RefusedHandshakes => _hub.RefusedHandshakes;

    /// <summary>
    /// User-event handshakes answered 503 during an outage or shutdown, all users together: each is an attempt the
    /// client really made. Counted before the answer is sent.
    /// </summary>
    public int UnavailableHandshakes => _hub.UnavailableHandshakes;

    public int TotalOpenSockets => _hub.TotalOpenSockets;

    public IReadOnlyList<WebSocketCloseStatus?> ClientCloseStatuses => _hub.ClientCloseStatuses;

    public bool RefuseAll
    {
        get => _hub.RefuseAll;
        set => _hub.RefuseAll = value;
    }

    // How long each upgrade takes before it is answered; makes concurrent handshakes overlap, as on a loaded API.
    public TimeSpan HandshakeDelay
    {
        get => _hub.HandshakeDelay;
        set => _hub.HandshakeDelay = value;
    }

    // The most upgrades that were in progress at once since the last reset.
    public int PeakConcurrentHandshakes => _hub.PeakHandshakesInFlight;

    public void ResetPeakConcurrentHandshakes() => _hub.ResetPeakHandshakesInFlight();

    public static Task<SimulatedReflector> StartAsync(SimulatorOptions options, CancellationToken cancellationToken = default) =>
        StartAsync(options, standalone: false, cancellationToken);

    internal static async Task<SimulatedReflector> StartAsync(SimulatorOptions options, bool standalone, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(options);
        var transcripts = new TranscriptStore(options.MaxStoredEventsPerTranscript);
        var tokens = new TokenAuthority(options, TimeProvider.System);
        var hub = new SocketHub();
        var ledger = new TranscriptLedger();
        var transcriptHub = new TranscriptSocketHub(transcripts, hub);
        var requests = new RequestLog();
        WebApplication? app = null;
        try
        {
            app = SimulatorHost.Build(options, hub, tokens, ledger, transcripts, transcriptHub, requests, standalone);
            await app.StartAsync(cancellationToken).ConfigureAwait(false);
            var simulator = new SimulatedReflector(app, hub, tokens, ledger, transcripts, transcriptHub, requests, ListeningAddress(app));
            app = null;
            return simulator;
        }
        catch
        {
            tokens.Dispose();
            throw;
        }
        finally
        {
            if (app is not null)
            {
                await app.DisposeAsync().ConfigureAwait(false);
            }
        }
    }

    public string IssueToken(string subject, TimeSpan lifetime, string? audience = null, IDictionary<string, object?>? extraClaims = null) =>
        _tokens.Issue(subject, lifetime, audience, extraClaims).Token;

    /// <summary>A token of Reflector's password auth backend (HS256 over <see cref="SimulatorOptions.SecretKey"/>).</summary>
    public string IssuePasswordToken(string subject, TimeSpan lifetime) => _tokens.IssuePassword(subject, lifetime).Token;

    public Task<int> EmitAsync(string userId, string eventName, object data, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(userId);
        ArgumentNullException.ThrowIfNull(eventName);
        var element = JsonSerializer.SerializeToElement(data);
        _ledger.Record(userId, eventName, element);
        return _hub.SendAsync(userId, EventFrame.Serialize(eventName, element), WebSocketMessageType.Text, ct);
    }

    public Task<int> SendRawAsync(string userId, ReadOnlyMemory<byte> payload, WebSocketMessageType type, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(userId);
        if (type == WebSocketMessageType.Close)
        {
            throw new ArgumentOutOfRangeException(nameof(type), type, "Only text or binary frames can be sent raw.");
        }

        return _hub.SendAsync(userId, payload, type, ct);
    }

    // Sends one message split into continuation frames of fragmentSize bytes, as WebSocket servers may.
    public Task<int> SendFragmentedAsync(string userId, ReadOnlyMemory<byte> payload, int fragmentSize, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(userId);
        ArgumentOutOfRangeException.ThrowIfLessThan(fragmentSize, 1);
        return _hub.SendAsync(userId, payload, WebSocketMessageType.Text, ct, fragmentSize);
    }

    public int Handshakes(string userId) => _hub.Handshakes(userId);

    public int OpenSockets(string userId) => _hub.OpenSockets(userId);

    // Cuts every socket, user events and transcripts alike.
    public async Task DropAllAsync()
    {
        var dropped = _hub.AbortAll();
        var droppedTranscripts = _transcriptHub.AbortAll();
        _logger.SocketsAborted(dropped.Length, "drop");
        _logger.TranscriptSocketsAborted(droppedTranscripts.Length, "drop");
        await Task.WhenAll(SocketHub.WaitUntilEndedAsync(dropped), TranscriptSocketHub.WaitUntilEndedAsync(droppedTranscripts)).ConfigureAwait(false);
    }

    // Closes every open socket from the server side with the given code (4401 is Reflector's "unauthorized").
    public Task<int> CloseAllAsync(int closeCode, CancellationToken ct = default) =>
        _hub.CloseAllAsync((WebSocketCloseStatus)closeCode, ct);

    public void BeginOutage()
    {
        var dropped = _hub.BeginOutage();
        var droppedTranscripts = _transcriptHub.AbortAll();
        _logger.SocketsAborted(dropped.Length, "outage");
        _logger.TranscriptSocketsAborted(droppedTranscripts.Length, "outage");
    }

    public void EndOutage() => _hub.EndOutage();

    // Completes once the user has had at least count accepted handshakes since start.
    public Task WaitForHandshakesAsync(string userId, int count, TimeSpan timeout) =>
        _hub.WaitForHandshakesAsync(userId, count, timeout);

    // Completes once the user has exactly count open sockets, so it serves both "connected" and "all closed".
    public Task WaitForOpenSocketsAsync(string userId, int count, TimeSpan timeout) =>
        _hub.WaitForOpenSocketsAsync(userId, count, timeout);

    // The per-transcript endpoint. A transcript without an owner is open to anyone whatever its share mode.
    // Returns the id: the one given, or a new UUID.
    // uploaded: an uploaded file's transcript, whose sample topics carry words, as Reflector's file pipeline sends them.
    public string CreateTranscript(string? owner, TranscriptShareMode shareMode, string? id = null, bool uploaded = false)
    {
        if (id is { Length: 0 })
        {
            throw new ArgumentException("A transcript id cannot be empty.", nameof(id));
        }

        return _transcripts.TryCreate(owner, shareMode, id, out var created, uploaded)
            ? created
            : throw new InvalidOperationException($"Transcript {id} already exists.");
    }

    // Soft delete, as Reflector's trash: new handshakes are refused with 403, open sockets stay open and
    // keep receiving whatever is still emitted.
    public void DeleteTranscript(string transcriptId)
    {
        ArgumentNullException.ThrowIfNull(transcriptId);
        if (!_transcripts.TryDelete(transcriptId))
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
        var frame = EventFrame.Serialize(eventName, JsonSerializer.SerializeToElement(data));
        return await _transcriptHub.PublishAsync(transcriptId, eventName, frame, ct).ConfigureAwait(false)
            ?? throw new KeyNotFoundException($"No transcript {transcriptId}.");
    }

    // How many events a new socket would be replayed.
    public int StoredTranscriptEvents(string transcriptId) =>
        _transcripts.Describe(transcriptId)?.StoredEvents ?? throw new KeyNotFoundException($"No transcript {transcriptId}.");

    // Aborts the transcript's open sockets, as a network cut would; a reconnecting client gets the replay again.
    public async Task DropTranscriptAsync(string transcriptId)
    {
        ArgumentNullException.ThrowIfNull(transcriptId);
        var dropped = _transcriptHub.Abort(transcriptId);
        _logger.TranscriptSocketsAborted(dropped.Length, "transcript drop");
        await TranscriptSocketHub.WaitUntilEndedAsync(dropped).ConfigureAwait(false);
    }

    // Handshakes answered with an open socket, counted just after the answer, as for user events.
    public int TranscriptHandshakes(string transcriptId) => _transcriptHub.Handshakes(transcriptId);

    // Handshakes refused before the upgrade (403, or 404 for a transcript that never existed).
    public int TranscriptRefusedHandshakes(string transcriptId) => _transcriptHub.RefusedHandshakes(transcriptId);

    public int TranscriptOpenSockets(string transcriptId) => _transcriptHub.OpenSockets(transcriptId);

    // One user's sockets on the transcript; user null counts the anonymous ones.
    public int TranscriptOpenSockets(string transcriptId, string? user) => _transcriptHub.OpenSockets(transcriptId, user);

    public int TotalTranscriptOpenSockets => _transcriptHub.TotalOpenSockets;

    // Transcript handshakes refused (403, 404), all transcripts together.
    public int TotalTranscriptRefusedHandshakes => _transcriptHub.TotalRefusedHandshakes;

    // TCP connections the server has accepted: each WebSocket handshake opens one, even one Kestrel refuses unparsed.
    public long TotalConnections => _requests.Connections;

    // Every HTTP request the server has received, any path, matched or not (a WebSocket upgrade is one).
    public long TotalRequests => _requests.Total;

    // The newest requests' targets (up to 10,000) as sent on the request line, undecoded and without the query:
    // "/v1/transcripts/abc/events", or "/v1/transcripts/../events" exactly as a client wrote it.
    public IReadOnlyList<string> RecentRequestTargets() => _requests.Recent();

    public Task WaitForTranscriptHandshakesAsync(string transcriptId, int count, TimeSpan timeout) =>
        _transcriptHub.WaitForHandshakesAsync(transcriptId, count, timeout);

    public Task WaitForTranscriptRefusedHandshakesAsync(string transcriptId, int count, TimeSpan timeout) =>
        _transcriptHub.WaitForRefusedHandshakesAsync(transcriptId, count, timeout);

    // Completes once the transcript has exactly count open sockets.
    public Task WaitForTranscriptOpenSocketsAsync(string transcriptId, int count, TimeSpan timeout) =>
        _transcriptHub.WaitForOpenSocketsAsync(transcriptId, count, timeout);

    // Completes once the user (null: anonymous clients) has exactly count open sockets on the transcript.
    public Task WaitForTranscriptOpenSocketsAsync(string transcriptId, string? user, int count, TimeSpan timeout) =>
        _transcriptHub.WaitForOpenSocketsAsync(transcriptId, user, count, timeout);

    internal Task WaitForShutdownAsync() => _app.WaitForShutdownAsync();

    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) == 1)
        {
            return;
        }

        // Sockets first: Kestrel's graceful stop would otherwise wait for them until its timeout.
        var dropped = _hub.ShutDown();
        var droppedTranscripts = _transcriptHub.AbortAll();
        try
        {
            await Task.WhenAll(SocketHub.WaitUntilEndedAsync(dropped), TranscriptSocketHub.WaitUntilEndedAsync(droppedTranscripts)).ConfigureAwait(false);
            await _app.StopAsync().ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            // Stop gave up waiting; disposing below tears down whatever is left.
        }
        finally
        {
            await _app.DisposeAsync().ConfigureAwait(false);
            _tokens.Dispose();
        }
    }

    private static Uri ListeningAddress(WebApplication app)
    {
        var addresses = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()?.Addresses;
        var first = addresses?.FirstOrDefault()
            ?? throw new InvalidOperationException("Kestrel reported no listening address.");
        return new Uri(first.TrimEnd('/') + "/");
    }
}
