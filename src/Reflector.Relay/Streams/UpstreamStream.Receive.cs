using System.Net.WebSockets;
using Reflector.Relay.Events;

namespace Reflector.Relay.Streams;

/// <summary>The upstream's reading side: whole messages off the socket, parsed once, relayed or dropped with a reason.</summary>
internal sealed partial class UpstreamStream<TMessage>
{
    private async Task<WebSocketCloseStatus?> ReceiveUntilClosedAsync(WebSocket socket)
    {
        using var reader = new UpstreamMessageReader(_feed.MaxMessageBytes);
        while (true)
        {
            var message = await reader.ReadAsync(socket, _abort.Token).ConfigureAwait(false);
            if (message.Kind == UpstreamMessageKind.Close)
            {
                if (socket.State == WebSocketState.CloseReceived)
                {
                    await SendCloseAsync(socket, WebSocketCloseStatus.NormalClosure).ConfigureAwait(false);
                }

                return socket.CloseStatus;
            }

            _metrics.EventReceived();
            var receivedAt = _timeProvider.GetTimestamp();
            switch (message.Kind)
            {
                case UpstreamMessageKind.TooLarge:
                    Dropped(DropReason.TooLarge, null, null);
                    break;
                case UpstreamMessageKind.Binary:
                    Dropped(DropReason.BinaryFrame, null, null);
                    break;
                default:
                    await HandleTextFrameAsync(message.Payload.Span, receivedAt).ConfigureAwait(false);
                    break;
            }
        }
    }

    private Task HandleTextFrameAsync(ReadOnlySpan<byte> frame, long receivedAt)
    {
        var parsed = _feed.Parse(frame);
        if (parsed.Message is { } message)
        {
            return RelayAsync(message, receivedAt, frame.Length);
        }

        Dropped(parsed.DropReason!.Value, parsed.EventName, parsed.Field);
        return Task.CompletedTask;
    }

    private void Dropped(DropReason reason, string? eventName, string? field)
    {
        _metrics.EventDropped(reason);
        if (reason == DropReason.UnknownEvent)
        {
            // Newer Reflector versions add events; not relaying them is expected, not a fault.
            UpstreamStreamLog.UnknownEventDropped(_logger, _feed.Name, eventName);
        }
        else
        {
            UpstreamStreamLog.FrameDropped(_logger, _feed.Name, eventName, reason, field);
        }
    }
}
