using System.Buffers;
using System.Globalization;
using System.Text.Json;

namespace Reflector.Simulator;

// The user events of a load test: TRANSCRIPT_DURATION, event n going to users[n % users.Length]. Each carries
// its sequence number in `id` ("{runId}:{n}") and, in `duration`, the moment it was written: microseconds
// since the Unix epoch, exact in a double. The relay passes both through unchanged, so a client can tell
// every delivery's latency, and which ones were lost or duplicated.
//
// Stamped (`stamp: true`), everything a client needs rides in the id alone, a field the contract relays
// as the transcript id: "{runId}:{n}:{sentAtMicros}", and `duration` is an ordinary number of seconds (n),
// so no field is asked to carry what it does not mean.
internal static class DurationLoad
{
    public const string EventName = "TRANSCRIPT_DURATION";

    public static Func<long, LoadEvent> Events(string runId, string[] users, bool stamp, TimeProvider time) =>
        sequence => new LoadEvent(users[sequence % users.Length], EventName, Frame(runId, sequence, time.GetUtcNow(), stamp));

    internal static byte[] Frame(string runId, long sequence, DateTimeOffset sentAt, bool stamp)
    {
        var sentAtMicros = (sentAt - DateTimeOffset.UnixEpoch).Ticks / 10;
        var buffer = new ArrayBufferWriter<byte>(128);
        using (var writer = new Utf8JsonWriter(buffer))
        {
            writer.WriteStartObject();
            writer.WriteString("event", EventName);
            writer.WriteStartObject("data");
            if (stamp)
            {
                writer.WriteString("id", string.Create(CultureInfo.InvariantCulture, $"{runId}:{sequence}:{sentAtMicros}"));
                writer.WriteNumber("duration", sequence);
            }
            else
            {
                writer.WriteString("id", string.Create(CultureInfo.InvariantCulture, $"{runId}:{sequence}"));
                writer.WriteNumber("duration", sentAtMicros);
            }

            writer.WriteEndObject();
            writer.WriteEndObject();
        }

        return buffer.WrittenSpan.ToArray();
    }
}

// Delivered counts socket writes (a user with four direct sockets takes four); Missed counts events
// whose user had no socket open when it was sent.
internal sealed record LoadResult(string RunId, long Sent, long Delivered, long Missed, double Seconds);
