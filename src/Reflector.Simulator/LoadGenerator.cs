using System.Diagnostics;

namespace Reflector.Simulator;

// Paces events to one kind of socket for benchmarks: at a rate for a bounded time, or in rounds that reach
// every stream at the same instant. What event n is (its stream, name and frame) is the caller's; it is
// built only when due, so a stamp taken while building it is the moment it was sent. Sends are not awaited
// one by one: a slow socket must not hold back (and so hide) later events.
internal sealed class LoadGenerator<TKind>(SocketHub<TKind> hub, TimeProvider time)
    where TKind : IEventSocketKind
{
    private static readonly TimeSpan Tick = TimeSpan.FromMilliseconds(2);

    public async Task<LoadTally> RunRateAsync(double eventsPerSecond, TimeSpan duration, Func<long, LoadEvent> eventAt, CancellationToken cancellationToken)
    {
        var pending = new List<Task<int?>>();
        var tally = new LoadTally();
        var clock = Stopwatch.StartNew();
        var total = (long)Math.Round(eventsPerSecond * duration.TotalSeconds);
        using var timer = new PeriodicTimer(Tick, time);
        while (tally.Sent < total)
        {
            var due = Math.Min(total, (long)(eventsPerSecond * clock.Elapsed.TotalSeconds));
            while (tally.Sent < due)
            {
                var sent = Publish(eventAt(tally.Sent++), cancellationToken);
                if (sent.IsCompletedSuccessfully)
                {
                    // Tallied at once, so a long run does not keep a task per event.
                    tally.Add(sent.Result);
                }
                else
                {
                    pending.Add(sent);
                }
            }

            if (tally.Sent < total && !await timer.WaitForNextTickAsync(cancellationToken).ConfigureAwait(false))
            {
                break;
            }
        }

        tally.Add(await Task.WhenAll(pending).ConfigureAwait(false));
        tally.Seconds = clock.Elapsed.TotalSeconds;
        return tally;
    }

    // Every round, eventsPerRound events at once, numbered on from the round before: event i of round r is
    // r * eventsPerRound + i.
    public async Task<LoadTally> RunBurstAsync(int rounds, int eventsPerRound, TimeSpan interval, Func<long, LoadEvent> eventAt, CancellationToken cancellationToken)
    {
        var tally = new LoadTally();
        var clock = Stopwatch.StartNew();
        for (var round = 0; round < rounds; round++)
        {
            if (round > 0)
            {
                await Task.Delay(interval, time, cancellationToken).ConfigureAwait(false);
            }

            var sends = new Task<int?>[eventsPerRound];
            for (var i = 0; i < eventsPerRound; i++)
            {
                sends[i] = Publish(eventAt(tally.Sent++), cancellationToken);
            }

            tally.Add(await Task.WhenAll(sends).ConfigureAwait(false));
        }

        tally.Seconds = clock.Elapsed.TotalSeconds;
        return tally;
    }

    private Task<int?> Publish(LoadEvent load, CancellationToken cancellationToken) =>
        hub.PublishAsync(load.StreamId, load.EventName, load.Frame, cancellationToken);
}

internal readonly record struct LoadEvent(string StreamId, string EventName, byte[] Frame);

// Delivered counts socket writes (an event reaching three open sockets counts three); Missed counts events
// whose stream had no socket open when it was sent.
internal sealed class LoadTally
{
    public long Sent { get; set; }

    public long Delivered { get; private set; }

    public long Missed { get; private set; }

    public double Seconds { get; set; }

    public void Add(int? reached)
    {
        if (reached > 0)
        {
            Delivered += reached.Value;
        }
        else
        {
            Missed++;
        }
    }

    public void Add(int?[] reached)
    {
        foreach (var count in reached)
        {
            Add(count);
        }
    }
}
