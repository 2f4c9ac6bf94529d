namespace Reflector.Relay.Bench.Hosting;

/// <summary>
/// Samples the resident set of some processes, summed, every 100 ms and keeps the highest: the peak within one
/// scenario of a server, or of several together (a cluster's nodes, a whole system).
/// </summary>
internal sealed class RssSampler : IAsyncDisposable
{
    private readonly IReadOnlyList<int> _pids;
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _sampling;
    private long _peak;

    public RssSampler(IReadOnlyList<int> pids)
    {
        _pids = pids;
        _peak = Current();
        _sampling = Task.Run(SampleAsync);
    }

    public double PeakMb => Math.Max(Interlocked.Read(ref _peak), Current()) / 1048576.0;

    private long Current() => SystemUnderTest.Sum(_pids).RssBytes;

    private async Task SampleAsync()
    {
        using var timer = new PeriodicTimer(TimeSpan.FromMilliseconds(100));
        try
        {
            while (await timer.WaitForNextTickAsync(_stop.Token))
            {
                var rss = Current();
                if (rss > Interlocked.Read(ref _peak))
                {
                    Interlocked.Exchange(ref _peak, rss);
                }
            }
        }
        catch (OperationCanceledException)
        {
            // Stopped.
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        await _sampling;
        _stop.Dispose();
    }
}
