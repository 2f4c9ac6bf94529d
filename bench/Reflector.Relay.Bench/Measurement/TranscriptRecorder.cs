using System.Buffers.Text;
using Reflector.Relay.Bench.Clients;

namespace Reflector.Relay.Bench.Measurement;

/// <summary>
/// Where every transcript tab reports what it reads, checked against the stamped load of the simulated
/// Reflector: event n of a run is of kind <see cref="KindAt"/>(n); TRANSCRIPT texts and TOPIC ids carry
/// "{runId}:{n}:{sentAtMicros}", and the DURATION and WAVEFORM between them must come in their place.
/// Each tab's receive loop is the only writer of its own slot.
/// </summary>
internal sealed class TranscriptRecorder : ITranscriptListener
{
    private volatile TranscriptRecording? _current;

    /// <summary>The simulated Reflector's load mix (MeetingLoad.EventAt): of every 20, 1 TOPIC, 2 DURATION, 1 WAVEFORM, 16 TRANSCRIPT.</summary>
    public static TranscriptEventKind KindAt(long sequence) => (sequence % 20) switch
    {
        0 => TranscriptEventKind.Topic,
        5 or 15 => TranscriptEventKind.Duration,
        10 => TranscriptEventKind.Waveform,
        _ => TranscriptEventKind.Transcript,
    };

    public TranscriptRecording Begin(string runId, int tabs, long expectedDeliveries)
    {
        var recording = new TranscriptRecording(runId, tabs, expectedDeliveries);
        _current = recording;
        return recording;
    }

    public void End() => _current = null;

    public void Received(int tab, TranscriptEventKind kind, ReadOnlySpan<byte> stamp) => _current?.Received(tab, kind, stamp);

    public void Unreadable() => _current?.Unreadable();
}

internal sealed class TranscriptRecording
{
    private readonly byte[] _prefix;
    private readonly TabState[] _tabs;
    private readonly double[] _latenciesMs;
    private readonly double[] _topicLatenciesMs;
    private int _count;
    private int _topicCount;
    private long _delivered;
    private long _unreadable;
    private long _resyncs;

    public TranscriptRecording(string runId, int tabs, long expectedDeliveries)
    {
        _prefix = System.Text.Encoding.UTF8.GetBytes(runId + ":");
        _tabs = new TabState[tabs];
        _latenciesMs = new double[Math.Max(1024, expectedDeliveries + (expectedDeliveries / 4))];
        _topicLatenciesMs = new double[Math.Max(1024, (expectedDeliveries / 10) + 64)];
    }

    /// <summary>Events delivered in their place so far, stamped or not.</summary>
    public long Delivered => Interlocked.Read(ref _delivered);

    public void Received(int tab, TranscriptEventKind kind, ReadOnlySpan<byte> stamp)
    {
        if ((uint)tab >= (uint)_tabs.Length)
        {
            return;
        }

        ref var state = ref _tabs[tab];
        if (kind == TranscriptEventKind.Resync)
        {
            Interlocked.Increment(ref _resyncs);
            return;
        }

        if (kind is TranscriptEventKind.Transcript or TranscriptEventKind.Topic)
        {
            if (!TryParse(stamp, out var sequence, out var sentAtMicros))
            {
                return; // Another run's (the warm-up's), or sample data.
            }

            if (state.Started && sequence < state.Next)
            {
                state.Misplaced++;
                return;
            }

            state.Lost += sequence - (state.Started ? state.Next : 0);
            state.Started = true;
            state.Next = sequence + 1;
            var nowMicros = (DateTimeOffset.UtcNow - DateTimeOffset.UnixEpoch).Ticks / 10.0;
            var latencyMs = (nowMicros - sentAtMicros) / 1000.0;
            Store(_latenciesMs, ref _count, latencyMs);
            if (kind == TranscriptEventKind.Topic)
            {
                Store(_topicLatenciesMs, ref _topicCount, latencyMs);
            }

            Interlocked.Increment(ref _delivered);
            return;
        }

        if (!state.Started)
        {
            return; // Before this run's first event: the warm-up's, or history.
        }

        if (TranscriptRecorder.KindAt(state.Next) == kind)
        {
            state.Next++;
            Interlocked.Increment(ref _delivered);
        }
        else
        {
            state.Misplaced++;
        }
    }

    public void Unreadable() => Interlocked.Increment(ref _unreadable);

    /// <summary>Sums up the run; <paramref name="expected"/> tells how many events each connected tab should have had (null: not connected).</summary>
    public TranscriptDelivery Summarize(Func<int, long?> expected, double seconds)
    {
        long lost = 0, misplaced = 0;
        for (var tab = 0; tab < _tabs.Length; tab++)
        {
            if (expected(tab) is not { } wanted)
            {
                continue;
            }

            var state = _tabs[tab];
            lost += state.Lost + Math.Max(0, wanted - state.Next);
            misplaced += state.Misplaced;
        }

        var all = DeliveryStats.From(Slice(_latenciesMs, _count), Delivered, lost, misplaced, Interlocked.Read(ref _unreadable), seconds);
        var topics = DeliveryStats.From(Slice(_topicLatenciesMs, _topicCount), 0, 0, 0, 0, seconds);
        return new TranscriptDelivery(all, topics.P50Ms, topics.P99Ms, Interlocked.Read(ref _resyncs));
    }

    private bool TryParse(ReadOnlySpan<byte> stamp, out long sequence, out double sentAtMicros)
    {
        sequence = 0;
        sentAtMicros = 0;
        if (!stamp.StartsWith(_prefix))
        {
            return false;
        }

        var rest = stamp[_prefix.Length..];
        if (!Utf8Parser.TryParse(rest, out sequence, out var used) || used >= rest.Length || rest[used] != (byte)':')
        {
            return false;
        }

        return Utf8Parser.TryParse(rest[(used + 1)..], out long micros, out _) && (sentAtMicros = micros) > 0;
    }

    private static void Store(double[] values, ref int count, double value)
    {
        var slot = Interlocked.Increment(ref count) - 1;
        if (slot < values.Length)
        {
            values[slot] = value;
        }
    }

    private static double[] Slice(double[] values, int count) => values.AsSpan(0, Math.Min(Volatile.Read(ref count), values.Length)).ToArray();

    private struct TabState
    {
        public bool Started;
        public long Next;
        public long Lost;
        public long Misplaced;
    }
}

/// <summary>
/// A transcripts run's deliveries: latency over every stamped event (TRANSCRIPT and TOPIC), TOPIC alone (the large
/// frames), events lost, events duplicated or out of their place (in <see cref="DeliveryStats.Duplicated"/>), resyncs.
/// </summary>
internal sealed record TranscriptDelivery(DeliveryStats All, double TopicP50Ms, double TopicP99Ms, long Resyncs);
