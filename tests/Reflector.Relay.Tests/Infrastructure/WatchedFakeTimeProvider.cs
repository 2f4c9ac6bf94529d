using System.Threading.Channels;
using Microsoft.Extensions.Time.Testing;

namespace Reflector.Relay.Tests.Infrastructure;

/// <summary>
/// Fake time that also reports each timer created, so a test can move the clock only once the code under test
/// is actually waiting: advancing before a timer exists would leave that timer waiting forever.
/// </summary>
internal sealed class WatchedFakeTimeProvider(DateTimeOffset start) : FakeTimeProvider(start)
{
    private readonly Channel<TimeSpan> _created = Channel.CreateUnbounded<TimeSpan>();

    public override ITimer CreateTimer(TimerCallback callback, object? state, TimeSpan dueTime, TimeSpan period)
    {
        var timer = base.CreateTimer(callback, state, dueTime, period);
        _created.Writer.TryWrite(dueTime);
        return timer;
    }

    /// <summary>Waits until a timer due in <paramref name="dueTime"/> (to the millisecond) has been created.</summary>
    public async Task WaitForTimerAsync(TimeSpan dueTime)
    {
        using var timeout = new CancellationTokenSource(TestTimeouts.Default);
        var seen = new List<TimeSpan>();
        try
        {
            while (true)
            {
                var created = await _created.Reader.ReadAsync(timeout.Token);
                // Timers are created at whole milliseconds, announced delays rounded up to them.
                if (Math.Abs((created - dueTime).TotalMilliseconds) <= 1)
                {
                    return;
                }

                seen.Add(created);
            }
        }
        catch (OperationCanceledException) when (timeout.IsCancellationRequested)
        {
            throw new TimeoutException($"No timer due in {dueTime} was created; saw {string.Join(", ", seen)}.");
        }
    }

    /// <summary>Waits for the timer, then moves the clock past it.</summary>
    public async Task AdvancePastTimerAsync(TimeSpan dueTime)
    {
        await WaitForTimerAsync(dueTime);
        Advance(dueTime);
    }
}
