using System.Buffers;
using System.Text.Json;
using Microsoft.AspNetCore.SignalR;
using Reflector.Relay.Events;

namespace Reflector.Relay.Transcripts;

/// <summary>
/// What Reflector would replay to a new socket of a transcript's stream, as this stream has seen it: every event
/// but live text and status since the transcript last went to processing, in order, with a topic's updates kept as the latest in the place of its first
/// appearance (what a page does with them). Bounded in bytes: past the bound the oldest events go, and the history
/// says it is no longer whole. Each event counts the bytes of its JSON form (what a JSON client is sent), measured from
/// the message itself, so a relay that holds the socket and one that follows it from another relay's (a cluster,
/// where no frame arrives) count the same.
/// </summary>
internal sealed class TranscriptHistory(long maxBytes)
{
    // A tiny event still costs its objects (the record, the invocation, its serialized copies): at least this much.
    internal const int MinimumEntryBytes = 256;

    private static readonly JsonSerializerOptions JsonForm = new(JsonSerializerDefaults.Web);

    private readonly List<Entry> _entries = [];
    private readonly Dictionary<string, int> _topicIndex = new(StringComparer.Ordinal);
    private long _bytes;

    /// <summary>Events were dropped to stay under the bound: a subscriber needs to refetch, then follow the rest.</summary>
    public bool IsTruncated { get; private set; }

    public long Bytes => _bytes;

    public void Add(TranscriptEventMessage message, SerializedHubMessage serialized)
    {
        if (message is TranscriptEventMessage.StatusChanged { Status: TranscriptStatus.Processing })
        {
            // Reflector wipes a transcript's stored events when it (re)processes it, right after this status: a new
            // socket replays only what comes after, and so does this history.
            Clear();
            return;
        }

        if (message is TranscriptEventMessage.LiveText or TranscriptEventMessage.StatusChanged or TranscriptEventMessage.Resync)
        {
            // Reflector does not replay these; a new socket would not show them either.
            return;
        }

        var entry = new Entry(serialized, Math.Max(SizeOf(message), MinimumEntryBytes), (message as TranscriptEventMessage.TopicUpdated)?.Id);
        if (entry.TopicId is { } topicId)
        {
            if (_topicIndex.TryGetValue(topicId, out var index))
            {
                _bytes += entry.Bytes - _entries[index].Bytes;
                _entries[index] = entry;
                TrimToBound();
                return;
            }

            _topicIndex[topicId] = _entries.Count;
        }

        _entries.Add(entry);
        _bytes += entry.Bytes;
        TrimToBound();
    }

    /// <summary>The stream starts over (its socket reconnected and Reflector replays again).</summary>
    public void Clear()
    {
        _entries.Clear();
        _topicIndex.Clear();
        _bytes = 0;
        IsTruncated = false;
    }

    public SerializedHubMessage[] Snapshot()
    {
        var messages = new SerializedHubMessage[_entries.Count];
        for (var i = 0; i < messages.Length; i++)
        {
            messages[i] = _entries[i].Message;
        }

        return messages;
    }

    private void TrimToBound()
    {
        if (_bytes <= maxBytes)
        {
            return;
        }

        var drop = 0;
        while (drop < _entries.Count && _bytes > maxBytes)
        {
            _bytes -= _entries[drop].Bytes;
            drop++;
        }

        _entries.RemoveRange(0, drop);
        IsTruncated = true;
        _topicIndex.Clear();
        for (var i = 0; i < _entries.Count; i++)
        {
            if (_entries[i].TopicId is { } id)
            {
                _topicIndex[id] = i;
            }
        }
    }

    /// <summary>Bytes of <paramref name="message"/>'s JSON form, counted without keeping them.</summary>
    internal static long SizeOf(TranscriptEventMessage message)
    {
        using var counter = new ByteCounter();
        using (var writer = new Utf8JsonWriter(counter))
        {
            JsonSerializer.Serialize(writer, message, JsonForm);
        }

        return counter.Count;
    }

    private readonly record struct Entry(SerializedHubMessage Message, long Bytes, string? TopicId);

    /// <summary>Takes what a writer writes into one pooled scratch buffer, over and over, and counts it.</summary>
    private sealed class ByteCounter : IBufferWriter<byte>, IDisposable
    {
        private byte[] _scratch = ArrayPool<byte>.Shared.Rent(4096);

        public long Count { get; private set; }

        public void Advance(int count) => Count += count;

        public Memory<byte> GetMemory(int sizeHint = 0)
        {
            if (sizeHint > _scratch.Length)
            {
                ArrayPool<byte>.Shared.Return(_scratch);
                _scratch = ArrayPool<byte>.Shared.Rent(sizeHint);
            }

            return _scratch;
        }

        public Span<byte> GetSpan(int sizeHint = 0) => GetMemory(sizeHint).Span;

        public void Dispose() => ArrayPool<byte>.Shared.Return(_scratch);
    }
}
