using System.Text.Json;

namespace Reflector.Simulator;

// What Reflector's database holds for the per-transcript endpoint: each transcript's owner, share mode,
// soft deletion and the events it stored (every one but TRANSCRIPT and STATUS, in emit order).
// Bounded: past the cap the oldest stored events are forgotten, so a long load run cannot grow without end.
internal sealed class TranscriptStore(int maxStoredEvents)
{
    private readonly Lock _gate = new();
    private readonly Dictionary<string, Transcript> _transcripts = new(StringComparer.Ordinal);

    public int MaxStoredEvents { get; } = maxStoredEvents > 0
        ? maxStoredEvents
        : throw new ArgumentOutOfRangeException(nameof(maxStoredEvents), maxStoredEvents, "The cap must be positive.");

    // Reflector's transcript ids are UUID4 strings; a caller may choose its own.
    // uploaded: its sample topics take the file pipeline's shape (words) rather than the live pipeline's (segments).
    public bool TryCreate(string? owner, TranscriptShareMode shareMode, string? id, out string created, bool uploaded = false)
    {
        created = id ?? Guid.NewGuid().ToString();
        lock (_gate)
        {
            return _transcripts.TryAdd(created, new Transcript(created, owner, shareMode, new SampleMeeting(uploaded)));
        }
    }

    public bool TryDelete(string id)
    {
        lock (_gate)
        {
            if (!_transcripts.TryGetValue(id, out var transcript))
            {
                return false;
            }

            transcript.Deleted = true;
            return true;
        }
    }

    public bool Exists(string id)
    {
        lock (_gate)
        {
            return _transcripts.ContainsKey(id);
        }
    }

    public TranscriptAccess Decide(string id, string? user)
    {
        lock (_gate)
        {
            if (!_transcripts.TryGetValue(id, out var transcript))
            {
                return TranscriptAccess.Missing;
            }

            if (transcript.Deleted)
            {
                return TranscriptAccess.Deleted;
            }

            var allowed = transcript.Owner is null || transcript.ShareMode switch
            {
                TranscriptShareMode.Public => true,
                TranscriptShareMode.SemiPrivate => user is not null,
                _ => string.Equals(user, transcript.Owner, StringComparison.Ordinal),
            };
            return allowed ? TranscriptAccess.Allowed : TranscriptAccess.Forbidden;
        }
    }

    public TranscriptSummary? Describe(string id)
    {
        lock (_gate)
        {
            return _transcripts.TryGetValue(id, out var transcript)
                ? new TranscriptSummary(transcript.Id, transcript.Owner, transcript.ShareMode, transcript.Deleted, transcript.Events.Count, transcript.Forgotten)
                : null;
        }
    }

    public SampleMeeting? SampleMeetingOf(string id)
    {
        lock (_gate)
        {
            return _transcripts.TryGetValue(id, out var transcript) ? transcript.Meeting : null;
        }
    }

    // TRANSCRIPT and STATUS are live only; every other event is kept, a TOPIC update as a second entry.
    public static bool IsStored(string eventName) => eventName is not ("TRANSCRIPT" or "STATUS");

    // Returns false for a transcript that does not exist; a deleted one still stores, as its pipeline may still run.
    public bool TryAppend(string id, string eventName, byte[] frame)
    {
        lock (_gate)
        {
            if (!_transcripts.TryGetValue(id, out var transcript))
            {
                return false;
            }

            if (eventName == "STATUS" && IsProcessing(frame))
            {
                // As Reflector's pipelines do when they (re)process a transcript: its stored events are wiped.
                transcript.Events.Clear();
            }
            else if (IsStored(eventName))
            {
                if (transcript.Events.Count == MaxStoredEvents)
                {
                    transcript.Events.Dequeue();
                    transcript.Forgotten++;
                }

                transcript.Events.Enqueue(frame);
            }

            return true;
        }
    }

    private static bool IsProcessing(byte[] frame)
    {
        using var document = JsonDocument.Parse(frame);
        return document.RootElement.TryGetProperty("data", out var data) &&
            data.ValueKind == JsonValueKind.Object &&
            data.TryGetProperty("value", out var value) &&
            value.ValueKind == JsonValueKind.String &&
            value.GetString() == "processing";
    }

    public byte[][] History(string id)
    {
        lock (_gate)
        {
            return _transcripts.TryGetValue(id, out var transcript) ? [.. transcript.Events] : [];
        }
    }

    private sealed class Transcript(string id, string? owner, TranscriptShareMode shareMode, SampleMeeting meeting)
    {
        public string Id { get; } = id;

        public string? Owner { get; } = owner;

        public TranscriptShareMode ShareMode { get; } = shareMode;

        public SampleMeeting Meeting { get; } = meeting;

        public Queue<byte[]> Events { get; } = new();

        public bool Deleted { get; set; }

        public long Forgotten { get; set; }
    }
}

internal enum TranscriptAccess
{
    Allowed,
    Missing,
    Deleted,
    Forbidden,
}

internal sealed record TranscriptSummary(string Id, string? Owner, TranscriptShareMode ShareMode, bool Deleted, int StoredEvents, long ForgottenEvents);
