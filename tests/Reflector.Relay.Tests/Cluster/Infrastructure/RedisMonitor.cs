using System.Diagnostics;
using System.Globalization;
using System.Text;
using Reflector.Relay.Tests.Infrastructure;

namespace Reflector.Relay.Tests.Cluster.Infrastructure;

/// <summary>Every command Redis executes while it runs (<c>redis-cli monitor</c>), to look for what must never be there.</summary>
internal sealed class RedisMonitor : IAsyncDisposable
{
    private readonly Process _process;
    private readonly StringBuilder _seen = new();
    private readonly Lock _lock = new();
    private int _disposed;
    private readonly TaskCompletionSource _ready = new(TaskCreationOptions.RunContinuationsAsynchronously);

    private RedisMonitor(RedisServer redis)
    {
        var start = new ProcessStartInfo("redis-cli")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var argument in new[] { "-h", "127.0.0.1", "-p", redis.Port.ToString(CultureInfo.InvariantCulture), "monitor" })
        {
            start.ArgumentList.Add(argument);
        }

        _process = new Process { StartInfo = start };
        _process.OutputDataReceived += (_, line) =>
        {
            if (line.Data is null)
            {
                return;
            }

            lock (_lock)
            {
                _seen.AppendLine(line.Data);
            }

            // redis-cli prints OK once the monitor is on.
            _ready.TrySetResult();
        };
        _process.Start();
        _process.BeginOutputReadLine();
        _process.BeginErrorReadLine();
    }

    public static async Task<RedisMonitor> StartAsync(RedisServer redis)
    {
        var monitor = new RedisMonitor(redis);
        await monitor._ready.Task.DefaultTimeout();
        return monitor;
    }

    /// <summary>Stops monitoring and returns everything seen.</summary>
    public async Task<string> StopAsync()
    {
        await DisposeAsync();
        lock (_lock)
        {
            return _seen.ToString();
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) == 1)
        {
            return;
        }

        if (!_process.HasExited)
        {
            _process.Kill();
            await _process.WaitForExitAsync().DefaultTimeout();
        }

        _process.Dispose();
    }
}
