namespace Reflector.Relay.Tests.Infrastructure;

internal static class TestTimeouts
{
    /// <summary>Upper bound for anything a test awaits; generous, so only a real hang trips it.</summary>
    public static readonly TimeSpan Default = TimeSpan.FromSeconds(20);

    public static Task DefaultTimeout(this Task task) => task.WaitAsync(Default);

    public static Task<T> DefaultTimeout<T>(this Task<T> task) => task.WaitAsync(Default);

    public static Task<T> DefaultTimeout<T>(this ValueTask<T> task) => task.AsTask().WaitAsync(Default);
}
