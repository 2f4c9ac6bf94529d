using System.Diagnostics;

namespace Reflector.Relay.Bench.Clients;

/// <summary>A tab that can be kept alive: a SignalR ping for the relay's tabs, nothing for Reflector's own sockets.</summary>
internal interface IPingedTab
{
    Task PingAsync(CancellationToken cancellationToken);
}

/// <summary>
/// Pings every tab of a fleet every ten seconds, well inside the hub's client timeout (SignalR's default, 30 s),
/// so the hub keeps tabs that only listen. A round is spread evenly over the interval, as browsers' keep-alive
/// timers are (each runs from its own tab's last send): pinging thousands of tabs in the same instant would load
/// the hub with a burst no fleet of browsers sends. The tabs are read anew on every round, so tabs that join
/// later are pinged too; as tabs join and leave, a tab's place in the round moves, so two of its pings are at
/// most twenty seconds apart while a round's pings fit in its ten seconds, still inside the timeout.
/// </summary>
/// <param name="tabs">The tabs held right now; null slots (tabs that failed to connect) are passed over.</param>
internal sealed class TabPings(Func<IEnumerable<IPingedTab?>> tabs) : IAsyncDisposable
{
    private static readonly TimeSpan PingInterval = TimeSpan.FromSeconds(10);
    private const int SlicesPerRound = 100;

    private readonly CancellationTokenSource _stopping = new();
    private Task _pinging = Task.CompletedTask;

    /// <summary>Starts pinging, once: later calls do nothing.</summary>
    public void Start()
    {
        if (_pinging.IsCompleted)
        {
            _pinging = Task.Run(PingLoopAsync, CancellationToken.None);
        }
    }

    private async Task PingLoopAsync()
    {
        try
        {
            while (true)
            {
                // Slices are due at fixed offsets from the round's start, so a slice that overruns is caught up
                // at once and a round takes its ten seconds unless pinging the whole fleet takes longer.
                var roundStart = Stopwatch.GetTimestamp();
                var round = tabs().OfType<IPingedTab>().ToArray();
                for (var slice = 0; slice < SlicesPerRound; slice++)
                {
                    await WaitUntilAsync(roundStart, PingInterval * slice / SlicesPerRound);
                    var end = (int)((long)round.Length * (slice + 1) / SlicesPerRound);
                    for (var i = (int)((long)round.Length * slice / SlicesPerRound); i < end; i++)
                    {
                        await round[i].PingAsync(_stopping.Token);
                    }
                }

                await WaitUntilAsync(roundStart, PingInterval);
            }
        }
        catch (OperationCanceledException)
        {
            // Disposed.
        }
    }

    private Task WaitUntilAsync(long start, TimeSpan offset)
    {
        var wait = offset - Stopwatch.GetElapsedTime(start);
        return wait > TimeSpan.Zero ? Task.Delay(wait, _stopping.Token) : Task.CompletedTask;
    }

    /// <summary>Stops pinging and waits for a round under way to end; the tabs themselves are their owner's to close.</summary>
    public async ValueTask DisposeAsync()
    {
        await _stopping.CancelAsync();
        await _pinging;
        _stopping.Dispose();
    }
}
