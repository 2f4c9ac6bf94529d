using Reflector.Relay.Logging;
using System.Net.WebSockets;
using Microsoft.Extensions.Options;
using Reflector.Relay.Cluster;
using Reflector.Relay.Events;
using Reflector.Relay.Diagnostics;
using Reflector.Relay.Limits;
using Reflector.Relay.Transcripts;

namespace Reflector.Relay.Streams;

/// <summary>
/// The relay's upstream sockets, as a hosted service: one per user with live browser connections, and one per user
/// and transcript that a connection of the user subscribed to. Both kinds share one connector, one backoff and one
/// lifetime rule (<see cref="UpstreamStreamSet{TMessage}"/>); shutdown closes them all with 1001.
/// </summary>
internal sealed partial class UpstreamConnectionManager : IHostedLifecycleService
{
    private readonly UpstreamOptions _options;
    private readonly IUserEventSink _sink;
    private readonly ITranscriptEventSink _transcriptSink;
    private readonly long _maxTranscriptHistoryBytes;
    private readonly ILogger _logger;
    private readonly UpstreamStreamSet<InvalidateMessage> _users;
    private readonly UpstreamStreamSet<TranscriptEventMessage> _transcripts;
    private readonly TranscriptAdmission _transcriptAdmission;

    private readonly Lock _lock = new();
    private readonly IHostApplicationLifetime? _lifetime;
    private bool _started;
    private bool _stopped;
    private Task _shutdown = Task.CompletedTask;

    public UpstreamConnectionManager(
        IOptions<UpstreamOptions> options,
        IOptions<ConnectionLimitsOptions> limits,
        UpstreamConnector connector,
        IUserEventSink sink,
        RelayMetrics metrics,
        TimeProvider timeProvider,
        ILoggerFactory loggerFactory,
        IHostApplicationLifetime? lifetime = null,
        IUpstreamOwnership<InvalidateMessage>? ownership = null,
        ITranscriptEventSink? transcriptSink = null,
        IUpstreamOwnership<TranscriptEventMessage>? transcriptOwnership = null)
    {
        _lifetime = lifetime;
        _options = options.Value;
        _sink = sink;
        _transcriptSink = transcriptSink ?? ITranscriptEventSink.None;
        _maxTranscriptHistoryBytes = limits.Value.MaxTranscriptHistoryBytes;
        _transcriptAdmission = new TranscriptAdmission(limits, timeProvider, loggerFactory.CreateLogger<TranscriptAdmission>());
        _logger = loggerFactory.CreateLogger<UpstreamConnectionManager>();
        var reconnectPipeline = ReconnectPipeline.Create(_options, timeProvider);
        _users = new UpstreamStreamSet<InvalidateMessage>(
            _options, limits.Value.MaxConnectionsPerUser, connector, reconnectPipeline,
            ownership ?? new LocalUpstreamOwnership<InvalidateMessage>(), metrics, timeProvider, loggerFactory);
        // A transcript stream's connections are bounded by its user's, and a connection's subscriptions by the hub.
        _transcripts = new UpstreamStreamSet<TranscriptEventMessage>(
            _options, int.MaxValue, connector, reconnectPipeline,
            transcriptOwnership ?? new LocalUpstreamOwnership<TranscriptEventMessage>(), metrics, timeProvider, loggerFactory);
        metrics.ObserveUpstreams(_users.Tally);
        metrics.ObserveTranscriptStreams(_transcripts.Tally);
    }

    /// <summary>Ready while started and not shutting down.</summary>
    public bool IsAcceptingConnections
    {
        get
        {
            lock (_lock)
            {
                return _started && !_stopped;
            }
        }
    }

    /// <summary>Users that currently have an upstream (connected, connecting, or lingering).</summary>
    public int UpstreamCount => _users.Count;

    /// <summary>Upstream sockets of users that are open right now.</summary>
    public int OpenSocketCount => _users.OpenSocketCount;

    /// <summary>Transcript streams that exist (connected, connecting, or lingering).</summary>
    public int TranscriptStreamCount => _transcripts.Count;

    /// <summary>Live browser connections counted against <paramref name="userId"/>'s upstream.</summary>
    public int ConnectionsOf(string userId) => _users.Find(userId)?.ConnectionCount ?? 0;

    /// <summary>Tokens of <paramref name="userId"/> the upstream refused and that a live connection still holds.</summary>
    public int RefusedTokensOf(string userId) => _users.Find(userId)?.RefusedTokenCount ?? 0;

    /// <summary>The token <paramref name="connectionId"/> of <paramref name="userId"/> attached with, while it is attached.</summary>
    public UpstreamToken? TokenOf(string userId, string connectionId) => _users.Find(userId)?.TokenOf(connectionId);

    /// <summary>Whether <paramref name="userId"/> has an upstream (connected, connecting, or lingering).</summary>
    public bool HasUpstream(string userId) => _users.Find(userId) is not null;

    /// <summary>Whether the stream of <paramref name="transcriptId"/> for <paramref name="userId"/> exists.</summary>
    public bool HasTranscriptStream(string userId, string transcriptId) => _transcripts.Find(TranscriptFeed.KeyOf(userId, transcriptId)) is not null;

    /// <summary>
    /// Counts <paramref name="connectionId"/> against its user's upstream, opening it when it is the first,
    /// and sends the connection the upstream's current state.
    /// </summary>
    /// <exception cref="ConnectionLimitExceededException">The user already holds the most connections allowed.</exception>
    public Task AttachAsync(string userId, string connectionId, UpstreamToken token, CancellationToken cancellationToken) =>
        _users.AttachAsync(userId, () => new UserEventsFeed(userId, _options, _sink), connectionId, token, cancellationToken);

    /// <summary>Releases <paramref name="connectionId"/>; the user's last connection starts the linger.</summary>
    public void Detach(string userId, string connectionId) => _users.Detach(userId, connectionId);

    /// <summary>
    /// Counts <paramref name="connectionId"/> against the user's stream of <paramref name="transcriptId"/>, opening it
    /// with the user's token when it is the first; completes once the connection has been given the stream's history.
    /// </summary>
    /// <exception cref="TranscriptRefusedException">Reflector refused the stream, now or within <c>Limits:TranscriptRefusalMemory</c>.</exception>
    /// <exception cref="TranscriptStreamLimitException">A new stream, past <c>Limits:TranscriptStreamsPerUserPerMinute</c>.</exception>
    /// <param name="rateKey">Who new streams count against, when not <paramref name="userId"/> (an anonymous viewer's address).</param>
    public Task SubscribeTranscriptAsync(
        string userId, string transcriptId, string connectionId, UpstreamToken token, CancellationToken cancellationToken, string? rateKey = null) =>
        _transcripts.AttachAsync(
            TranscriptFeed.KeyOf(userId, transcriptId),
            () =>
            {
                // Only a stream the relay does not hold yet costs Reflector a handshake, so only it is admitted (or not);
                // under the set's lock, so two tabs racing for one new stream count once.
                _transcriptAdmission.AdmitNewStream(userId, transcriptId, rateKey);
                return new TranscriptFeed(userId, transcriptId, _options, _maxTranscriptHistoryBytes, _transcriptSink, _transcriptAdmission);
            },
            connectionId,
            token,
            cancellationToken);

    /// <summary>Stops sending the transcript's events to <paramref name="connectionId"/>; its last subscriber starts the linger.</summary>
    public void UnsubscribeTranscript(string userId, string transcriptId, string connectionId) =>
        _transcripts.Detach(TranscriptFeed.KeyOf(userId, transcriptId), connectionId);

    public Task StartAsync(CancellationToken cancellationToken)
    {
        lock (_lock)
        {
            _started = true;
        }

        return Task.CompletedTask;
    }

    public Task StartingAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StartedAsync(CancellationToken cancellationToken)
    {
        // SignalR closes browser connections when the application starts stopping, which would start a linger
        // (and a 1000 close) for every stream. Registered last, this runs first and closes everything with 1001.
        _lifetime?.ApplicationStopping.Register(static state => ((UpstreamConnectionManager)state!).BeginShutdown(), this);
        return Task.CompletedTask;
    }

    public Task StoppingAsync(CancellationToken cancellationToken)
    {
        BeginShutdown();
        return Task.CompletedTask;
    }

    /// <summary>Waits for every upstream socket to close with 1001 (going away), as long as the host allows.</summary>
    public async Task StopAsync(CancellationToken cancellationToken)
    {
        BeginShutdown();
        try
        {
            await _shutdown.WaitAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            // The host's shutdown timeout: the sockets go with the process; exiting cleanly still matters more.
            Log.ShutdownTimedOut(_logger);
        }
    }

    public Task StoppedAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    /// <summary>Stops taking connections (readiness fails) and closes every upstream socket with 1001. Idempotent.</summary>
    private void BeginShutdown()
    {
        int count;
        lock (_lock)
        {
            if (_stopped)
            {
                return;
            }

            _stopped = true;
            count = _users.Count + _transcripts.Count;
            _shutdown = Task.WhenAll(_users.BeginShutdown(), _transcripts.BeginShutdown());
        }

        Log.ShuttingDown(_logger, count);
    }

    private static partial class Log
    {
        [LoggerMessage(LogEventIds.Streams.ShuttingDown, LogLevel.Information, "Shutting down: closing {Count} upstream sockets")]
        public static partial void ShuttingDown(ILogger logger, int count);

        [LoggerMessage(LogEventIds.Streams.ShutdownTimedOut, LogLevel.Warning, "Shutdown timed out before every upstream socket had closed")]
        public static partial void ShutdownTimedOut(ILogger logger);
    }
}
