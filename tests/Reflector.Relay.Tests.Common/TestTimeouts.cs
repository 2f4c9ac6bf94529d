namespace Reflector.Relay.Tests.Common;

internal static class TestTimeouts
{
    /// <summary>Upper bound for anything a test awaits; generous, so only a real hang trips it.</summary>
    public static readonly TimeSpan Default = TimeSpan.FromSeconds(20);

    public static Task DefaultTimeout(this Task task) => task.WaitAsync(Default);

    public static Task<T> DefaultTimeout<T>(this Task<T> task) => task.WaitAsync(Default);

    public static Task<T> DefaultTimeout<T>(this ValueTask<T> task) => task.AsTask().WaitAsync(Default);

    /// <summary>Waits until <paramref name="condition"/> holds, for state read asynchronously (a scrape, a query).</summary>
    public static async Task EventuallyAsync(Func<Task<bool>> condition, string what)
    {
        var deadline = DateTime.UtcNow + Default;
        while (!await condition().WaitAsync(Default))
        {
            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException($"Timed out waiting until {what}.");
            }

            await Task.Delay(10);
        }
    }

    /// <summary>Waits until <paramref name="condition"/> holds, for state that offers no signal to await.</summary>
    public static async Task Eventually(Func<bool> condition, string what)
    {
        var deadline = DateTime.UtcNow + Default;
        while (!condition())
        {
            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException($"Timed out waiting until {what}.");
            }

            await Task.Delay(10);
        }
    }
}
