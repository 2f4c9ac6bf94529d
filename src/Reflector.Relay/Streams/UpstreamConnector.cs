using System.Net;
using System.Net.WebSockets;
using Microsoft.Extensions.Options;
using Polly;

namespace Reflector.Relay.Streams;

/// <summary>
/// Opens one upstream socket the way a browser does: subprotocols <c>bearer</c> and the token. Handshakes in flight are
/// bounded per kind of stream (<c>Upstream:MaxConcurrentHandshakes</c>, <c>Upstream:MaxConcurrentTranscriptHandshakes</c>).
/// </summary>
[System.Diagnostics.CodeAnalysis.SuppressMessage("Design", "CA1001", Justification = "A singleton for the process's life; the semaphores never allocate a wait handle.")]
internal sealed class UpstreamConnector(IOptions<UpstreamOptions> options, TimeProvider timeProvider, UpstreamHandshakeChaos? chaos = null)
{
    private readonly UpstreamOptions _options = options.Value;
    private readonly ResiliencePipeline _chaos = chaos?.Pipeline ?? ResiliencePipeline.Empty;
    // Two pools: subscriptions are a client's to multiply, a user's own stream is what every tab needs, so transcript
    // handshakes waiting (or hanging on a slow Reflector) can never hold a slot a user's stream or reconnect needs.
    private readonly SemaphoreSlim _userEventsSlots = new(options.Value.MaxConcurrentHandshakes);
    private readonly SemaphoreSlim _transcriptSlots = new(options.Value.MaxConcurrentTranscriptHandshakes);

    /// <param name="kind">
    /// Which pool of slots the handshake waits in, and what a 404 means: for a transcript, that it does not exist (a
    /// refusal); for a user's stream, a wrong address (an outage).
    /// </param>
    public async Task<WebSocket> ConnectAsync(Uri address, UpstreamToken token, UpstreamStreamKind kind, CancellationToken cancellationToken)
    {
        var slots = kind == UpstreamStreamKind.Transcript ? _transcriptSlots : _userEventsSlots;
        await slots.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            return await _chaos.ExecuteAsync(
                static (state, ct) => new ValueTask<WebSocket>(state.Self.HandshakeAsync(state.Address, state.Token, state.NotFoundIsRefusal, ct)),
                (Self: this, Address: address, Token: token, NotFoundIsRefusal: kind == UpstreamStreamKind.Transcript),
                cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            slots.Release();
        }
    }

    private async Task<WebSocket> HandshakeAsync(Uri address, UpstreamToken token, bool notFoundIsRefusal, CancellationToken cancellationToken)
    {
        var socket = new ClientWebSocket();
        if (token.Value.Length > 0)
        {
            socket.Options.AddSubProtocol("bearer");
            socket.Options.AddSubProtocol(token.Value);
        }
        // Without this a refused upgrade is an anonymous WebSocketException, and a 403 looks like an outage.
        socket.Options.CollectHttpResponseDetails = true;
        // Reflector never writes on a quiet stream; pings are the only way to notice a silently dead peer.
        socket.Options.KeepAliveInterval = _options.KeepAliveInterval;
        socket.Options.KeepAliveTimeout = _options.KeepAliveInterval > TimeSpan.Zero
            ? _options.KeepAliveTimeout
            : Timeout.InfiniteTimeSpan;

        using var timeout = new CancellationTokenSource(_options.ConnectTimeout, timeProvider);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, timeout.Token);
        try
        {
            await socket.ConnectAsync(address, linked.Token).ConfigureAwait(false);
            return socket;
        }
        catch (Exception) when (socket.HttpStatusCode is HttpStatusCode.Unauthorized or HttpStatusCode.Forbidden ||
                                (notFoundIsRefusal && socket.HttpStatusCode == HttpStatusCode.NotFound))
        {
            var code = (int)socket.HttpStatusCode;
            socket.Dispose();
            throw new UpstreamRefusedException(code);
        }
        catch (OperationCanceledException) when (timeout.IsCancellationRequested && !cancellationToken.IsCancellationRequested)
        {
            socket.Dispose();
            throw new UpstreamConnectionException($"The upstream handshake did not complete within {_options.ConnectTimeout}.");
        }
        catch (Exception exception) when (exception is not OperationCanceledException)
        {
            var status = socket.HttpStatusCode;
            socket.Dispose();
            throw new UpstreamConnectionException(
                status == 0 ? "The upstream could not be reached." : $"The upstream answered the upgrade with HTTP {(int)status}.",
                exception);
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    }
}

/// <summary>
/// Faults injected around every upstream handshake (Polly's chaos strategies). Registered only where a
/// test wants the relay's own connect path to fail; absent, handshakes run untouched.
/// </summary>
internal sealed class UpstreamHandshakeChaos(ResiliencePipeline pipeline)
{
    public ResiliencePipeline Pipeline { get; } = pipeline;
}

/// <summary>The kinds of upstream stream: each has its own pool of handshake slots.</summary>
internal enum UpstreamStreamKind
{
    /// <summary>A user's <c>/v1/events</c>.</summary>
    UserEvents,

    /// <summary>One transcript's <c>/v1/transcripts/{id}/events</c>, for one user.</summary>
    Transcript,
}
