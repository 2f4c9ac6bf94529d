namespace Reflector.Relay.Bench.Hosting;

/// <summary>Samples a process's resident set every 100 ms and keeps the highest: the peak within one scenario.</summary>
internal sealed class RssSampler : IAsyncDisposable
{
    private readonly ServerProcess _process;
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _sampling;
    private long _peak;

    public RssSampler(ServerProcess process)
    {
        _process = process;
        _peak = process.Stats().RssBytes;
        _sampling = Task.Run(SampleAsync);
    }

    public double PeakMb => Math.Max(Interlocked.Read(ref _peak), _process.Stats().RssBytes) / 1048576.0;

    private async Task SampleAsync()
    {
        using var timer = new PeriodicTimer(TimeSpan.FromMilliseconds(100));
        try
        {
            while (await timer.WaitForNextTickAsync(_stop.Token))
            {
                var rss = _process.Stats().RssBytes;
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
