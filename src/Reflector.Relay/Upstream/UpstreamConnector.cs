using System.Net;
using System.Net.WebSockets;
using Microsoft.Extensions.Options;
using Polly;

namespace Reflector.Relay.Upstream;

/// <summary>Opens one upstream socket the way a browser does: subprotocols <c>bearer</c> and the token.</summary>
[System.Diagnostics.CodeAnalysis.SuppressMessage("Design", "CA1001", Justification = "A singleton for the process's life; the semaphore never allocates a wait handle.")]
internal sealed class UpstreamConnector(IOptions<UpstreamOptions> options, TimeProvider timeProvider, UpstreamHandshakeChaos? chaos = null)
{
    private readonly UpstreamOptions _options = options.Value;
    private readonly ResiliencePipeline _chaos = chaos?.Pipeline ?? ResiliencePipeline.Empty;
    private readonly SemaphoreSlim _handshakeSlots = new(options.Value.MaxConcurrentHandshakes);

    /// <param name="notFoundIsRefusal">A 404 means the stream's subject does not exist (not a wrong address): a refusal.</param>
    public async Task<WebSocket> ConnectAsync(Uri address, UpstreamToken token, bool notFoundIsRefusal, CancellationToken cancellationToken)
    {
        await _handshakeSlots.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            return await _chaos.ExecuteAsync(
                static (state, ct) => new ValueTask<WebSocket>(state.Self.HandshakeAsync(state.Address, state.Token, state.NotFoundIsRefusal, ct)),
                (Self: this, Address: address, Token: token, NotFoundIsRefusal: notFoundIsRefusal),
                cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            _handshakeSlots.Release();
        }
    }

    private async Task<WebSocket> HandshakeAsync(Uri address, UpstreamToken token, bool notFoundIsRefusal, CancellationToken cancellationToken)
    {
        var socket = new ClientWebSocket();
        socket.Options.AddSubProtocol("bearer");
        socket.Options.AddSubProtocol(token.Value);
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
