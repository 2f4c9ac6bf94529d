using System.Diagnostics;

namespace Reflector.Relay.Bench.Clients;

/// <summary>A tab that can be kept alive: a SignalR ping for the relay's tabs, nothing for Reflector's own sockets.</summary>
internal interface IPingedTab
{
    /// <summary>The tab's index in its fleet: it fixes the tab's place in every round of pings.</summary>
    int Index { get; }

    Task PingAsync(CancellationToken cancellationToken);
}

/// <summary>
/// Pings every tab of a fleet every 15 seconds, as @microsoft/signalr's keep-alive does in a browser
/// (<c>keepAliveIntervalInMilliseconds</c>), so the hub (its client timeout is SignalR's default, 30 s) keeps tabs
/// that only listen. A round is spread evenly over the interval, as browsers' keep-alive timers are (each runs from
/// its own tab's last send): pinging thousands of tabs in the same instant would load the hub with a burst no fleet
/// of browsers sends. A tab's place in the round is fixed by its index, so its pings are one interval apart however
/// tabs join and leave; the tabs are read anew at every slice, so a tab that joins is pinged within one interval.
/// </summary>
/// <param name="tabs">The tabs held right now; null slots (tabs that failed to connect) are passed over.</param>
internal sealed class TabPings(Func<IEnumerable<IPingedTab?>> tabs) : IAsyncDisposable
{
    private static readonly TimeSpan PingInterval = TimeSpan.FromSeconds(15);
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
                // at once and a round takes its interval unless pinging the whole fleet takes longer.
                var roundStart = Stopwatch.GetTimestamp();
                for (var slice = 0; slice < SlicesPerRound; slice++)
                {
                    await WaitUntilAsync(roundStart, PingInterval * slice / SlicesPerRound);
                    // Copied first: a fleet's list may grow while it is read.
                    foreach (var tab in tabs().ToArray())
                    {
                        if (tab is not null && tab.Index % SlicesPerRound == slice)
                        {
                            await tab.PingAsync(_stopping.Token);
                        }
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
