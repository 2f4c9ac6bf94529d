using Microsoft.AspNetCore.SignalR;
using Microsoft.AspNetCore.SignalR.Protocol;
using Microsoft.Extensions.Options;
using Reflector.Relay.Diagnostics;
using Reflector.Relay.Events;
using Reflector.Relay.Limits;

namespace Reflector.Relay.Hubs;

/// <summary>What every outbox of the process shares: its budget, the overflow messages, time and logging.</summary>
internal sealed record OutboxPolicy(
    long MaxQueuedBytes,
    SerializedHubMessage OverflowResync,
    Func<string, SerializedHubMessage> TranscriptOverflowResync,
    TimeProvider TimeProvider,
    ILogger Logger,
    Action OnOverflow)
{
    public static OutboxPolicy Create(IOptions<ConnectionLimitsOptions> limits, RelayMetrics metrics, TimeProvider timeProvider, ILogger logger) =>
        new(
            limits.Value.MaxQueuedBytesPerConnection,
            new SerializedHubMessage(new InvocationMessage(ClientMethods.Invalidate, [new InvalidateMessage.Resync(ResyncReason.Overflow)])),
            static transcriptId => new SerializedHubMessage(new InvocationMessage(
                ClientMethods.TranscriptEvent, [new TranscriptEventMessage.Resync(transcriptId, ResyncReason.Overflow)])),
            timeProvider,
            logger,
            metrics.ConnectionOverflowed);
}
