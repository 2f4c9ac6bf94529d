using System.Diagnostics;
using System.Globalization;
using StackExchange.Redis;

namespace Reflector.Relay.Bench.Hosting;

/// <summary>
/// Debian's <c>redis-server</c> as a child process on a free 127.0.0.1 port, nothing persisted: the Redis of the
/// Python upstream (its pub/sub rooms) or of the relay cluster. Its CPU and memory are read from /proc like the
/// servers', and its command counts from <c>INFO commandstats</c>. Disposing stops it with SIGTERM, then kills it.
/// </summary>
internal sealed class RedisServer : IAsyncDisposable
{
    public const string Executable = "/usr/bin/redis-server";

    private readonly RecentLines _lastLines = new(kept: 20);
    private readonly ProcessStartInfo _start;
    private readonly string _directory;
    private Process _process = null!;

    private RedisServer(string name, ProcessStartInfo start, int port, string directory)
    {
        Name = name;
        _start = start;
        Port = port;
        _directory = directory;
    }

    public string Name { get; }

    public int Port { get; }

    public int Pid => _process.Id;

    /// <summary>What StackExchange.Redis and the relay's <c>ConnectionStrings__Redis</c> take.</summary>
    public string ConnectionString => $"127.0.0.1:{Port.ToString(CultureInfo.InvariantCulture)}";

    /// <summary>The bench's own connection: the load's PUBLISHes and the INFO reads.</summary>
    public ConnectionMultiplexer Connection { get; private set; } = null!;

    public static async Task<RedisServer> StartAsync(string name, CancellationToken cancellationToken)
    {
        if (!File.Exists(Executable))
        {
            throw new InvalidOperationException(
                $"{Executable} is missing: the cluster and the Python upstream run Debian's redis-server " +
                "(`apt-get install redis-server`, or run tools/test once, which installs it without starting its service).");
        }

        var port = ServerProcess.FreePort();
        var directory = Directory.CreateTempSubdirectory("reflector-bench-redis-").FullName;
        var start = new ProcessStartInfo(Executable)
        {
            WorkingDirectory = directory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var argument in (string[])[
            "--port", port.ToString(CultureInfo.InvariantCulture), "--bind", "127.0.0.1", "--protected-mode", "no",
            "--save", "", "--appendonly", "no", "--daemonize", "no", "--dir", directory,
            // The relays and the upstream subscribe to a channel per user: a subscriber that falls behind is the
            // bench's finding, not a reason for Redis to drop it (its default cuts pub/sub clients at 32 MB).
            "--client-output-buffer-limit", "pubsub 0 0 0",
            "--maxclients", "100000",
        ])
        {
            start.ArgumentList.Add(argument);
        }

        var server = new RedisServer(name, start, port, directory);
        server.Launch();
        try
        {
            server.Connection = await server.ConnectAsync(cancellationToken);
            return server;
        }
        catch
        {
            await server.DisposeAsync();
            throw;
        }
    }

    private void Launch()
    {
        _process = _lastLines.Start(_start, Name);
    }

    /// <summary>
    /// Restarts Redis on the same port, empty (nothing is persisted), as an operator or a crash and its supervisor
    /// would: SIGTERM and up to 10 s to exit, then start again; returns once it answers. The bench's own connection
    /// reconnects by itself.
    /// </summary>
    public async Task RestartAsync(CancellationToken cancellationToken)
    {
        await StopAsync();
        _process.Dispose();
        Launch();
        var clock = Stopwatch.StartNew();
        while (!Connection.IsConnected || !await PingsAsync())
        {
            if (_process.HasExited || clock.Elapsed > TimeSpan.FromSeconds(30))
            {
                throw new InvalidOperationException($"{Name} did not come back:{Environment.NewLine}{_lastLines}");
            }

            await Task.Delay(100, cancellationToken);
        }
    }

    private async Task<bool> PingsAsync()
    {
        try
        {
            await Connection.GetDatabase().PingAsync();
            return true;
        }
        catch (RedisException)
        {
            return false;
        }
    }

    private async Task StopAsync()
    {
        if (_process.HasExited)
        {
            return;
        }

        Native.Terminate(_process.Id);
        using var grace = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        try
        {
            await _process.WaitForExitAsync(grace.Token);
        }
        catch (OperationCanceledException)
        {
            _process.Kill();
            await _process.WaitForExitAsync(CancellationToken.None);
        }
    }

    public ProcStats Stats() => ProcStats.Read(_process.Id);

    public bool HasExited => _process.HasExited;

    /// <summary>Commands Redis has run since it started, of every kind but the bench's own INFO.</summary>
    public async Task<long> CommandCallsAsync()
    {
        var info = (string?)await Connection.GetDatabase().ExecuteAsync("INFO", "commandstats") ?? "";
        long calls = 0;
        foreach (var line in info.Split('\n', StringSplitOptions.TrimEntries))
        {
            // cmdstat_publish:calls=12,usec=34,usec_per_call=2.83,rejected_calls=0,failed_calls=0
            if (line.StartsWith("cmdstat_", StringComparison.Ordinal) && !line.StartsWith("cmdstat_info:", StringComparison.Ordinal)
                && line.IndexOf(":calls=", StringComparison.Ordinal) is var at and > 0)
            {
                var value = line[(at + ":calls=".Length)..];
                calls += long.Parse(value[..value.IndexOf(',', StringComparison.Ordinal)], CultureInfo.InvariantCulture);
            }
        }

        return calls;
    }

    private async Task<ConnectionMultiplexer> ConnectAsync(CancellationToken cancellationToken)
    {
        var clock = Stopwatch.StartNew();
        while (true)
        {
            if (_process.HasExited)
            {
                throw new InvalidOperationException($"{Name} exited with {_process.ExitCode} while starting:{Environment.NewLine}{_lastLines}");
            }

            try
            {
                return await ConnectionMultiplexer.ConnectAsync(new ConfigurationOptions
                {
                    EndPoints = { ConnectionString },
                    AbortOnConnectFail = true,
                    ConnectTimeout = 2_000,
                });
            }
            catch (RedisConnectionException) when (clock.Elapsed < TimeSpan.FromSeconds(30))
            {
                await Task.Delay(100, cancellationToken);
            }
        }
    }

    public async ValueTask DisposeAsync()
    {
        try
        {
            if (Connection is not null)
            {
                await Connection.DisposeAsync();
            }

            await StopAsync();
        }
        finally
        {
            _process.Dispose();
            Directory.Delete(_directory, recursive: true);
        }
    }
}
