using System.Net.WebSockets;

namespace Reflector.Relay.Streams;

/// <summary>Closing the stream: a clean close frame first, an abort only when the upstream does not answer it.</summary>
internal sealed partial class UpstreamStream<TMessage>
{
    /// <summary>Closes the socket with <paramref name="closeStatus"/> and stops reconnecting.</summary>
    public async Task StopAsync(WebSocketCloseStatus closeStatus)
    {
        WebSocket? socket;
        lock (_lock)
        {
            if (_stopping.IsCancellationRequested)
            {
                socket = null;
            }
            else
            {
                _closeStatus = closeStatus;
                _stopping.Cancel();
                socket = _socket;
            }
        }

        if (socket is not null)
        {
            await SendCloseAsync(socket, closeStatus).ConfigureAwait(false);
        }

        try
        {
            await _run.WaitAsync(_options.CloseTimeout, _timeProvider).ConfigureAwait(false);
        }
        catch (TimeoutException)
        {
            UpstreamStreamLog.CloseTimedOut(_logger, _feed.Name);
            await _abort.CancelAsync().ConfigureAwait(false);
            await _run.ConfigureAwait(false);
        }
        finally
        {
            // Lets go of the stream here: another relay with connections of the user opens the socket at once.
            await _claim.DisposeAsync().ConfigureAwait(false);
            await _leaseLossClose.ConfigureAwait(false);
            _abort.Dispose();
            _stopping.Dispose();
        }
    }

    public ValueTask DisposeAsync() => new(StopAsync(WebSocketCloseStatus.NormalClosure));

    private async Task SendCloseAsync(WebSocket socket, WebSocketCloseStatus closeStatus)
    {
        using var timeout = new CancellationTokenSource(_options.CloseTimeout, _timeProvider);
        try
        {
            await socket.CloseOutputAsync(closeStatus, null, timeout.Token).ConfigureAwait(false);
        }
        catch (Exception exception) when (exception is WebSocketException or OperationCanceledException or ObjectDisposedException)
        {
            // Already gone; the receive loop sees that and ends.
        }
    }
}
