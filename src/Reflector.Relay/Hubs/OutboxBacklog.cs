using Microsoft.AspNetCore.SignalR;
using Microsoft.AspNetCore.SignalR.Protocol;

namespace Reflector.Relay.Hubs;

/// <summary>
/// The messages queued for one connection behind its write in flight, budgeted in bytes as the connection's protocol
/// serializes them. Past the budget the backlog collapses into what stands for it: one <c>resync</c> if any
/// invalidation went, one per transcript whose events went, and the newest status. Not thread-safe: its outbox
/// holds the lock.
/// </summary>
internal sealed class OutboxBacklog(OutboxPolicy policy, IHubProtocol protocol)
{
    private readonly Queue<Entry> _queue = new();

    public long Bytes { get; private set; }

    public bool IsEmpty => _queue.Count == 0;

    /// <param name="shared">
    /// The message is kept elsewhere anyway (a transcript's history being replayed): it costs the connection nothing
    /// against its budget, and goes with the rest if the backlog collapses.
    /// </param>
    /// <returns><see langword="false"/> when the message did not fit: the backlog and it collapsed.</returns>
    public bool TryAdd(OutboundMessage message, bool shared)
    {
        var entry = new Entry(message, shared ? 0 : SizeOf(message.Message));
        if (Bytes + entry.Bytes <= policy.MaxQueuedBytes)
        {
            Add(entry);
            return true;
        }

        Collapse(entry);
        return false;
    }

    public bool TryDequeue(out SerializedHubMessage message)
    {
        if (!_queue.TryDequeue(out var entry))
        {
            message = null!;
            return false;
        }

        Bytes -= entry.Bytes;
        message = entry.Message.Message;
        return true;
    }

    public void Clear()
    {
        _queue.Clear();
        Bytes = 0;
    }

    // Serialized once per protocol and cached by the message, so measuring it costs nothing the write repeats.
    private int SizeOf(SerializedHubMessage message) => message.GetSerializedMessage(protocol).Length;

    private void Add(Entry entry)
    {
        _queue.Enqueue(entry);
        Bytes += entry.Bytes;
    }

    private void Collapse(Entry incoming)
    {
        Entry? newestStatus = null;
        var invalidationsDropped = false;
        List<string>? transcriptsDropped = null;
        foreach (var entry in _queue.Append(incoming))
        {
            if (entry.Message.IsStatus)
            {
                newestStatus = entry;
            }
            else if (entry.Message.TranscriptId is { } transcriptId)
            {
                transcriptsDropped ??= [];
                if (!transcriptsDropped.Contains(transcriptId))
                {
                    transcriptsDropped.Add(transcriptId);
                }
            }
            else
            {
                invalidationsDropped = true;
            }
        }

        Clear();
        if (invalidationsDropped)
        {
            Add(new Entry(new OutboundMessage(policy.OverflowResync, IsStatus: false, TranscriptId: null), SizeOf(policy.OverflowResync)));
        }

        foreach (var transcriptId in transcriptsDropped ?? [])
        {
            var resync = policy.TranscriptOverflowResync(transcriptId);
            Add(new Entry(new OutboundMessage(resync, IsStatus: false, transcriptId), SizeOf(resync)));
        }

        if (newestStatus is { } status)
        {
            Add(status);
        }
    }

    private readonly record struct Entry(OutboundMessage Message, int Bytes);
}
