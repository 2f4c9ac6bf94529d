using System.Diagnostics;

namespace Reflector.Simulator;

// A live meeting at a chosen pace for benchmarks: of every 20 events, 16 TRANSCRIPT, 2 DURATION, 1 TOPIC
// and 1 WAVEFORM, with the transcript's own sample data, stored and sent exactly as an emit would.
// Bounded in time by the caller's duration; sends are not awaited one by one, so a slow socket does not
// slow the pace (and so hide itself).
internal sealed class TranscriptLoadGenerator(TranscriptSocketHub hub, TranscriptStore store, TimeProvider time)
{
    private static readonly TimeSpan Tick = TimeSpan.FromMilliseconds(2);

    public static string EventAt(long sequence) => (sequence % 20) switch
    {
        0 => "TOPIC",
        5 or 15 => "DURATION",
        10 => "WAVEFORM",
        _ => "TRANSCRIPT",
    };

    // Null when there is no such transcript.
    public async Task<TranscriptLoadResult?> RunAsync(string transcriptId, double eventsPerSecond, TimeSpan duration, CancellationToken cancellationToken)
    {
        if (store.SampleMeetingOf(transcriptId) is not { } meeting)
        {
            return null;
        }

        var pending = new List<Task<int?>>();
        var byEvent = new Dictionary<string, long>(StringComparer.Ordinal);
        var clock = Stopwatch.StartNew();
        var total = (long)Math.Round(eventsPerSecond * duration.TotalSeconds);
        long sent = 0;
        using var timer = new PeriodicTimer(Tick, time);
        while (sent < total)
        {
            var due = Math.Min(total, (long)(eventsPerSecond * clock.Elapsed.TotalSeconds));
            for (; sent < due; sent++)
            {
                var eventName = EventAt(sent);
                byEvent[eventName] = byEvent.GetValueOrDefault(eventName) + 1;
                pending.Add(hub.PublishAsync(transcriptId, eventName, EventFrame.Serialize(eventName, meeting.Next(eventName)), cancellationToken));
            }

            if (sent < total && !await timer.WaitForNextTickAsync(cancellationToken).ConfigureAwait(false))
            {
                break;
            }
        }

        var reached = await Task.WhenAll(pending).ConfigureAwait(false);
        return new TranscriptLoadResult(transcriptId, sent, reached.Sum(count => (long)(count ?? 0)), clock.Elapsed.TotalSeconds, byEvent);
    }
}

// Delivered counts socket writes: an event reaching three open sockets counts three.
internal sealed record TranscriptLoadResult(string TranscriptId, long Sent, long Delivered, double Seconds, IReadOnlyDictionary<string, long> SentByEvent);
