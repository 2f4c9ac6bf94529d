using System.Diagnostics;
using System.Globalization;

namespace Reflector.Simulator;

// A live meeting at a chosen pace for benchmarks: of every 20 events, 16 TRANSCRIPT, 2 DURATION, 1 TOPIC
// and 1 WAVEFORM, with the transcript's own sample data, stored and sent exactly as an emit would.
// Bounded in time by the caller's duration; sends are not awaited one by one, so a slow socket does not
// slow the pace (and so hide itself).
//
// With a run id, each TRANSCRIPT's text and each TOPIC's id is a stamp instead of sample text:
// "{runId}:{sequence}:{sentAt}", sequence counting every event of the run from 0 (so the kinds in between
// follow from EventAt) and sentAt the moment the frame was written, in microseconds since the Unix epoch.
// Both are fields Reflector's frontend (and the relay) pass on as they are; the other fields keep their
// sample values, so the frames keep their real sizes.
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

    public static string Stamp(string runId, long sequence, DateTimeOffset sentAt) =>
        string.Create(CultureInfo.InvariantCulture, $"{runId}:{sequence}:{(sentAt - DateTimeOffset.UnixEpoch).Ticks / 10}");

    // Null when there is no such transcript.
    public async Task<TranscriptLoadResult?> RunAsync(string transcriptId, TranscriptLoad load, CancellationToken cancellationToken)
    {
        if (store.SampleMeetingOf(transcriptId) is not { } meeting)
        {
            return null;
        }

        var pending = new List<Task<int?>>();
        var byEvent = new Dictionary<string, long>(StringComparer.Ordinal);
        var clock = Stopwatch.StartNew();
        var total = (long)Math.Round(load.EventsPerSecond * load.Duration.TotalSeconds);
        long sent = 0;
        using var timer = new PeriodicTimer(Tick, time);
        while (sent < total)
        {
            var due = Math.Min(total, (long)(load.EventsPerSecond * clock.Elapsed.TotalSeconds));
            for (; sent < due; sent++)
            {
                var eventName = EventAt(sent);
                byEvent[eventName] = byEvent.GetValueOrDefault(eventName) + 1;
                var data = meeting.Next(eventName, load.TopicSegments);
                if (load.RunId is { } runId && eventName is "TRANSCRIPT" or "TOPIC")
                {
                    data[eventName == "TOPIC" ? "id" : "text"] = Stamp(runId, sent, time.GetUtcNow());
                }

                pending.Add(hub.PublishAsync(transcriptId, eventName, EventFrame.Serialize(eventName, data), cancellationToken));
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

// RunId null: no stamps. TopicSegments: speaker segments per TOPIC (SampleMeeting.TopicSegments by default).
internal sealed record TranscriptLoad(double EventsPerSecond, TimeSpan Duration, string? RunId, int TopicSegments);

// Delivered counts socket writes: an event reaching three open sockets counts three.
internal sealed record TranscriptLoadResult(string TranscriptId, long Sent, long Delivered, double Seconds, IReadOnlyDictionary<string, long> SentByEvent);
