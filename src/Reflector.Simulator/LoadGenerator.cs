using System.Buffers;
using System.Diagnostics;
using System.Globalization;
using System.Net.WebSockets;
using System.Text.Json;

namespace Reflector.Simulator;

// Emits TRANSCRIPT_DURATION events for load tests. Each carries its sequence number in `id`
// ("{runId}:{n}") and, in `duration`, the moment it was written: microseconds since the Unix epoch,
// exact in a double. The relay passes both through unchanged, so a client can tell every delivery's
// latency, and which ones were lost or duplicated.
//
// Stamped (`stamp: true`), everything a client needs rides in the id alone, a field the contract relays
// as the transcript id: "{runId}:{n}:{sentAtMicros}", and `duration` is an ordinary number of seconds (n),
// so no field is asked to carry what it does not mean.
internal sealed class LoadGenerator(SocketHub hub, TimeProvider time)
{
    public const string EventName = "TRANSCRIPT_DURATION";

    private static readonly TimeSpan Tick = TimeSpan.FromMilliseconds(2);

    // Rate mode: event n goes to users[n % users.Length], paced to eventsPerSecond for the duration.
    // Sends are not awaited one by one: a slow socket must not hold back (and so hide) later events.
    public async Task<LoadResult> RunRateAsync(string runId, string[] users, double eventsPerSecond, TimeSpan duration, bool stamp, CancellationToken cancellationToken)
    {
        var pending = new List<Task<int>>();
        var tally = new Tally();
        var clock = Stopwatch.StartNew();
        var total = (long)Math.Round(eventsPerSecond * duration.TotalSeconds);
        long sent = 0;
        using var timer = new PeriodicTimer(Tick, time);
        while (sent < total)
        {
            var due = Math.Min(total, (long)(eventsPerSecond * clock.Elapsed.TotalSeconds));
            for (; sent < due; sent++)
            {
                Track(pending, tally, Send(runId, sent, users[sent % users.Length], stamp, cancellationToken));
            }

            if (sent < total && !await timer.WaitForNextTickAsync(cancellationToken).ConfigureAwait(false))
            {
                break;
            }
        }

        tally.Add(await Task.WhenAll(pending).ConfigureAwait(false));
        return new LoadResult(runId, sent, tally.Delivered, tally.Missed, clock.Elapsed.TotalSeconds);
    }

    // Burst mode: every round, one event to every user at the same instant; event n of round r is r * users + n.
    public async Task<LoadResult> RunBurstAsync(string runId, string[] users, int rounds, TimeSpan interval, bool stamp, CancellationToken cancellationToken)
    {
        var tally = new Tally();
        var clock = Stopwatch.StartNew();
        long sent = 0;
        for (var round = 0; round < rounds; round++)
        {
            if (round > 0)
            {
                await Task.Delay(interval, time, cancellationToken).ConfigureAwait(false);
            }

            var sends = new Task<int>[users.Length];
            for (var i = 0; i < users.Length; i++, sent++)
            {
                sends[i] = Send(runId, sent, users[i], stamp, cancellationToken);
            }

            tally.Add(await Task.WhenAll(sends).ConfigureAwait(false));
        }

        return new LoadResult(runId, sent, tally.Delivered, tally.Missed, clock.Elapsed.TotalSeconds);
    }

    private Task<int> Send(string runId, long sequence, string userId, bool stamp, CancellationToken cancellationToken) =>
        hub.SendAsync(userId, Frame(runId, sequence, time.GetUtcNow(), stamp), WebSocketMessageType.Text, cancellationToken);

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

    private static void Track(List<Task<int>> pending, Tally tally, Task<int> send)
    {
        if (send.IsCompletedSuccessfully)
        {
            tally.Add(send.Result);
            return;
        }

        pending.Add(send);
    }

    private sealed class Tally
    {
        public long Delivered { get; private set; }

        public long Missed { get; private set; }

        public void Add(int reached)
        {
            if (reached > 0)
            {
                Delivered += reached;
            }
            else
            {
                Missed++;
            }
        }

        public void Add(int[] reached)
        {
            foreach (var count in reached)
            {
                Add(count);
            }
        }
    }
}

// Delivered counts socket writes (a user with four direct sockets takes four); Missed counts events
// whose user had no socket open when it was sent.
internal sealed record LoadResult(string RunId, long Sent, long Delivered, long Missed, double Seconds);
