namespace Reflector.Relay.Cluster;

/// <summary>
/// A claim waiting for the stream's holder to go: woken by a release, the holder's relay dying, or Redis coming and
/// going.
/// </summary>
internal sealed class HolderWatch
{
    private readonly Lock _lock = new();
    private string? _waitingOn;
    private TaskCompletionSource _wake = NewSignal();

    /// <summary>Completes at the next <see cref="Wake"/>; taken before asking Redis, so no wake-up in between is missed.</summary>
    public Task NextWake
    {
        get
        {
            lock (_lock)
            {
                return _wake.Task;
            }
        }
    }

    /// <summary>The claim waits for the relay <paramref name="node"/> (or, <see langword="null"/>, for nobody).</summary>
    public void WaitOn(string? node)
    {
        lock (_lock)
        {
            _waitingOn = node;
        }
    }

    /// <summary>Wakes the claim if the relay it waits for is among <paramref name="dead"/>.</summary>
    public void OnRelaysDied(IReadOnlySet<string> dead)
    {
        bool wake;
        lock (_lock)
        {
            wake = _waitingOn is not null && dead.Contains(_waitingOn);
        }

        if (wake)
        {
            Wake();
        }
    }

    public void Wake()
    {
        TaskCompletionSource wake;
        lock (_lock)
        {
            wake = _wake;
            _wake = NewSignal();
        }

        wake.TrySetResult();
    }

    private static TaskCompletionSource NewSignal() => new(TaskCreationOptions.RunContinuationsAsynchronously);
}
