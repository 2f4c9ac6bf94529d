using System.Globalization;

namespace Reflector.Simulator;

// The transcript events of a load test: a live meeting, of every 20 events 16 TRANSCRIPT, 2 DURATION, 1 TOPIC
// and 1 WAVEFORM, with the transcript's own sample data, stored and sent exactly as an emit would.
//
// With a run id, each TRANSCRIPT's text and each TOPIC's id is a stamp instead of sample text:
// "{runId}:{sequence}:{sentAt}", sequence counting every event of the run from 0 (so the kinds in between
// follow from EventAt) and sentAt the moment the frame was written, in microseconds since the Unix epoch.
// Both are fields Reflector's frontend (and the relay) pass on as they are; the other fields keep their
// sample values, so the frames keep their real sizes.
internal sealed class MeetingLoad(string transcriptId, SampleMeeting meeting, TranscriptLoad plan, TimeProvider time)
{
    private readonly Dictionary<string, long> _sentByEvent = new(StringComparer.Ordinal);

    // Counted as the events are built, which the load generator does one at a time.
    public IReadOnlyDictionary<string, long> SentByEvent => _sentByEvent;

    public static string EventAt(long sequence) => (sequence % 20) switch
    {
        0 => "TOPIC",
        5 or 15 => "DURATION",
        10 => "WAVEFORM",
        _ => "TRANSCRIPT",
    };

    public static string Stamp(string runId, long sequence, DateTimeOffset sentAt) =>
        string.Create(CultureInfo.InvariantCulture, $"{runId}:{sequence}:{(sentAt - DateTimeOffset.UnixEpoch).Ticks / 10}");

    public LoadEvent Next(long sequence)
    {
        var eventName = EventAt(sequence);
        _sentByEvent[eventName] = _sentByEvent.GetValueOrDefault(eventName) + 1;
        var data = meeting.Next(eventName, plan.TopicSegments);
        if (plan.RunId is { } runId && eventName is "TRANSCRIPT" or "TOPIC")
        {
            data[eventName == "TOPIC" ? "id" : "text"] = Stamp(runId, sequence, time.GetUtcNow());
        }

        return new LoadEvent(transcriptId, eventName, EventFrame.Serialize(eventName, data));
    }
}

// RunId null: no stamps. TopicSegments: speaker segments per TOPIC (SampleMeeting.TopicSegments by default).
internal sealed record TranscriptLoad(double EventsPerSecond, TimeSpan Duration, string? RunId, int TopicSegments);

// Delivered counts socket writes: an event reaching three open sockets counts three.
internal sealed record TranscriptLoadResult(string TranscriptId, long Sent, long Delivered, double Seconds, IReadOnlyDictionary<string, long> SentByEvent);
