using System.Diagnostics;

namespace Reflector.Simulator;

// Lets tests wait for a counter to reach a value without polling: every change completes the current
// signal and installs a fresh one.
internal sealed class ChangeSignal
{
    private TaskCompletionSource _changed = NewSignal();

    public void Signal() => Interlocked.Exchange(ref _changed, NewSignal()).TrySetResult();

    // The signal is taken before the condition is read, so a change between the two still wakes the waiter.
    public async Task WaitUntilAsync(Func<bool> condition, Func<string> describe, TimeSpan timeout)
    {
        var clock = Stopwatch.StartNew();
        while (true)
        {
            var changed = Volatile.Read(ref _changed).Task;
            if (condition())
            {
                return;
            }

            var remaining = timeout - clock.Elapsed;
            if (remaining <= TimeSpan.Zero)
            {
                throw new TimeoutException($"Timed out after {timeout}: {describe()}.");
            }

            try
            {
                await changed.WaitAsync(remaining).ConfigureAwait(false);
            }
            catch (TimeoutException)
            {
                if (condition())
                {
                    return;
                }

                throw new TimeoutException($"Timed out after {timeout}: {describe()}.");
            }
        }
    }

    private static TaskCompletionSource NewSignal() => new(TaskCreationOptions.RunContinuationsAsynchronously);
}
