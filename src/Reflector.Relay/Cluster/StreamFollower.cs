using System.Diagnostics.CodeAnalysis;
using Reflector.Relay.Diagnostics;

namespace Reflector.Relay.Cluster;

/// <summary>
/// Hands what the holder says on the channel to this relay's connections while another relay holds the stream: in
/// order, nothing from a fenced-out epoch, only the newest status, and a <c>resync</c> wherever messages may have
/// been lost, told before any message that came after the loss.
/// </summary>
[SuppressMessage(
    "Design",
    "CA1001",
    Justification = "The semaphore never allocates a wait handle (AvailableWaitHandle is not read), and a delivery may still be under way when the claim goes.")]
internal sealed class StreamFollower<TMessage>(
    ClusterStream stream,
    ClaimLease lease,
    EpochFence fence,
    IClaimObserver<TMessage> observer,
    RelayMetrics metrics,
    ILogger logger)
    where TMessage : class
{
    private readonly Lock _lock = new();
    private readonly SequenceGapDetector _gaps = new();
    private readonly SemaphoreSlim _delivering = new(1, 1);
    // Why this relay's connections may have missed the holder's messages; told (resync) once the claim hears again.
    private string? _gapReason;
    // The newest status heard: an older one comes from a relay that lost its claim, or was read before it.
    private (long Epoch, long Sequence) _newestStatus;

    /// <summary>This relay's connections may have missed the holder's messages: the first reason is kept until told.</summary>
    public void MissedMessages(string reason)
    {
        lock (_lock)
        {
            _gapReason ??= reason;
        }
    }

    /// <summary>
    /// Subscribed anew, with the holder's numbering at <paramref name="published"/>: what the holder publishes next
    /// must follow it. Nothing to count while this relay holds the stream itself.
    /// </summary>
    public void CountFrom(HolderPosition published)
    {
        if (!lease.IsHolding)
        {
            _gaps.StartAt(published.Epoch, published.Sequence);
        }
    }

    /// <summary>This relay holds the stream now: numbers heard as a follower say nothing about what comes next.</summary>
    public void OnHolding() => _gaps.Reset();

    /// <summary>
    /// Tells a pending gap (a resync) if this relay follows the holder. Only for a claim that hears its channel, so
    /// nothing after the resync is lost as well.
    /// </summary>
    public async Task TellGapAsync()
    {
        await _delivering.WaitAsync().ConfigureAwait(false);
        try
        {
            await TellGapWhileDeliveringAsync().ConfigureAwait(false);
        }
        finally
        {
            _delivering.Release();
        }
    }

    /// <summary>
    /// Another relay's claim won over this relay's hold: <paramref name="hold"/> is cancelled (this relay's socket
    /// stops delivering) and its connections hear <c>resync</c> at once, since what that socket had not told them
    /// yet may never come. One at a time with the deliveries, so nothing from the new holder goes out before it.
    /// </summary>
    public async Task OnHoldLostAsync(CancellationTokenSource hold)
    {
        await _delivering.WaitAsync().ConfigureAwait(false);
        try
        {
            await hold.CancelAsync().ConfigureAwait(false);
            MissedMessages("lease_lost");
            await TellGapWhileDeliveringAsync().ConfigureAwait(false);
        }
        finally
        {
            _delivering.Release();
        }
    }

    /// <summary>A message or status of the holder, heard on the channel or (<paramref name="fromChannel"/> false) read when subscribing.</summary>
    public async Task OnHolderEnvelopeAsync(ClusterEnvelope<TMessage> envelope, bool fromChannel)
    {
        if (!fence.Admit(envelope.Epoch))
        {
            // From a relay that has lost its claim: the new holder's stream is the one to follow.
            return;
        }

        var newerStatus = false;
        lock (_lock)
        {
            if (fromChannel && !lease.IsHolding && _gaps.Observe(envelope.Epoch, envelope.Sequence))
            {
                _gapReason ??= "sequence_gap";
            }

            if (envelope.Kind == ClusterMessageKind.Status && (envelope.Epoch, envelope.Sequence).CompareTo(_newestStatus) > 0)
            {
                // The newest status only: the one read when subscribing may also arrive on the channel.
                _newestStatus = (envelope.Epoch, envelope.Sequence);
                newerStatus = true;
            }
        }

        // One at a time with the resyncs told from elsewhere (a probe answered), so a resync never comes after a
        // message that followed the gap it stands for.
        await _delivering.WaitAsync().ConfigureAwait(false);
        try
        {
            if (fromChannel)
            {
                // Heard on the channel: whatever gap is pending lies before this message.
                await TellGapWhileDeliveringAsync().ConfigureAwait(false);
            }

            if (envelope is { Kind: ClusterMessageKind.Message, Message: { } message })
            {
                await observer.OnRemoteMessageAsync(message).ConfigureAwait(false);
            }
            else if (newerStatus && envelope.Status is { } status)
            {
                await observer.OnRemoteStatusAsync(status).ConfigureAwait(false);
            }
        }
        finally
        {
            _delivering.Release();
        }
    }

    private async Task TellGapWhileDeliveringAsync()
    {
        string? reason;
        lock (_lock)
        {
            reason = _gapReason;
            _gapReason = null;
            if (reason is null || lease.IsHolding)
            {
                // Holding: this relay's own socket served its tabs (a lease lost later brings its own resync).
                return;
            }
        }

        metrics.ClusterResync(reason);
        StreamFollowerLog.Resync(logger, stream.UserId, stream.TranscriptId, reason);
        await observer.OnRemoteGapAsync().ConfigureAwait(false);
    }
}
