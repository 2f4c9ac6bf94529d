using System.Buffers.Text;
using Reflector.Relay.Bench.Clients;

namespace Reflector.Relay.Bench.Measurement;

/// <summary>
/// Where every tab reports each numbered event it receives. A run has an id; events of any other run
/// (stragglers of a warm-up) are ignored. Each tab's receive loop is the only writer of its own slot.
/// </summary>
internal sealed class DeliveryRecorder : ITabListener
{
    private volatile RunRecording? _current;

    public RunRecording Begin(string runId, int tabs, long expectedDeliveries)
    {
        var recording = new RunRecording(runId, tabs, expectedDeliveries);
        _current = recording;
        return recording;
    }

    public void End() => _current = null;

    /// <summary>The run being recorded, if any.</summary>
    public RunRecording? Current => _current;

    /// <param name="tab">The receiving tab.</param>
    /// <param name="id">The event's id, "{runId}:{sequence}", as UTF-8.</param>
    /// <param name="sentAtMicros">When the simulated Reflector wrote the event, in microseconds since the Unix epoch.</param>
    public void Record(int tab, ReadOnlySpan<byte> id, double sentAtMicros)
    {
        var nowMicros = (DateTimeOffset.UtcNow - DateTimeOffset.UnixEpoch).Ticks / 10.0;
        _current?.Record(tab, id, (nowMicros - sentAtMicros) / 1000.0);
    }

    public void Unreadable() => _current?.Unreadable();
}

internal sealed class RunRecording
{
    private readonly byte[] _prefix;
    private readonly HashSet<long>?[] _seen;
    private readonly long[] _received;
    private readonly double[] _latenciesMs;
    private int _count;
    private long _overflow;
    private long _unreadable;

    public RunRecording(string runId, int tabs, long expectedDeliveries)
    {
        RunId = runId;
        _prefix = System.Text.Encoding.UTF8.GetBytes(runId + ":");
        _seen = new HashSet<long>?[tabs];
        _received = new long[tabs];
        _latenciesMs = new double[Math.Max(1024, expectedDeliveries + (expectedDeliveries / 4))];
    }

    public string RunId { get; }

    public void Record(int tab, ReadOnlySpan<byte> id, double latencyMs)
    {
        if ((uint)tab >= (uint)_seen.Length || !id.StartsWith(_prefix) || !Utf8Parser.TryParse(id[_prefix.Length..], out long sequence, out _))
        {
            return;
        }

        _received[tab]++;
        (_seen[tab] ??= []).Add(sequence);
        var slot = Interlocked.Increment(ref _count) - 1;
        if (slot < _latenciesMs.Length)
        {
            _latenciesMs[slot] = latencyMs;
        }
        else
        {
            Interlocked.Increment(ref _overflow);
        }
    }

    public void Unreadable() => Interlocked.Increment(ref _unreadable);

    public long Delivered => Volatile.Read(ref _count);

    /// <summary>Sums up the run; <paramref name="expected"/> tells how many events each connected tab should have had.</summary>
    public DeliveryStats Summarize(Func<int, long?> expected, double seconds) =>
        RecordingPart.Summarize([Part(Enumerable.Range(0, _seen.Length))], expected, seconds);

    /// <summary>What <paramref name="tabs"/> recorded, for a run summed up across processes.</summary>
    public RecordingPart Part(IEnumerable<int> tabs)
    {
        var indices = tabs.Where(tab => (uint)tab < (uint)_seen.Length).ToArray();
        var count = (int)Math.Min(Volatile.Read(ref _count), _latenciesMs.Length);
        return new RecordingPart(
            indices,
            [.. indices.Select(tab => _received[tab])],
            [.. indices.Select(tab => (long)(_seen[tab]?.Count ?? 0))],
            Interlocked.Read(ref _unreadable),
            _latenciesMs.AsSpan(0, count).ToArray());
    }
}
