using System.Diagnostics;
using System.Net;
using System.Net.Sockets;

namespace Reflector.Relay.Bench.Hosting;

/// <summary>
/// One server (simulator, relay, proxy or the Python upstream) run as its own process on 127.0.0.1.
/// Its output is kept (the last lines) to explain a failure; disposing stops it with SIGTERM, then kills it. It can be
/// stopped and started again on the same port, as a deploy or a crash and its supervisor do (the restart scenario, the soak).
/// </summary>
internal sealed class ServerProcess : IAsyncDisposable
{
    private static readonly TimeSpan StopGrace = TimeSpan.FromSeconds(10);

    private readonly RecentLines _lastLines = new(kept: 40);
    private readonly ProcessStartInfo _start;
    private readonly string _readyPath;
    private Process _process = null!;

    private ServerProcess(string name, ProcessStartInfo start, Uri baseAddress, string readyPath)
    {
        Name = name;
        _start = start;
        BaseAddress = baseAddress;
        _readyPath = readyPath;
    }

    public string Name { get; }

    public Uri BaseAddress { get; }

    public int Pid => _process.Id;

    public bool HasExited => _process.HasExited;

    public ProcStats Stats() => ProcStats.Read(_process.Id);

    /// <summary>A .NET server: <c>dotnet app.dll</c>, from the dll's folder.</summary>
    public static Task<ServerProcess> StartAsync(
        string name, string dll, IEnumerable<string> arguments, IReadOnlyDictionary<string, string> environment,
        int port, string readyPath, CancellationToken cancellationToken) =>
        File.Exists(dll)
            ? StartExecutableAsync(name, "dotnet", [dll, .. arguments], Path.GetDirectoryName(dll)!, environment, port, readyPath, cancellationToken)
            : throw new FileNotFoundException($"{name}: {dll} is missing; build with `dotnet build -c Release` first.", dll);

    /// <summary>Any server: <paramref name="executable"/> with <paramref name="arguments"/>, ready once <paramref name="readyPath"/> answers.</summary>
    public static async Task<ServerProcess> StartExecutableAsync(
        string name, string executable, IEnumerable<string> arguments, string workingDirectory, IReadOnlyDictionary<string, string> environment,
        int port, string readyPath, CancellationToken cancellationToken)
    {
        var start = new ProcessStartInfo(executable)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = workingDirectory,
        };
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        start.Environment["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1";
        foreach (var (key, value) in environment)
        {
            start.Environment[key] = value;
        }

        var server = new ServerProcess(name, start, new Uri($"http://127.0.0.1:{port}/"), readyPath);
        server.Launch();
        try
        {
            await server.WaitUntilReadyAsync(readyPath, cancellationToken);
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
    /// Stops the server as a deploy does (SIGTERM, then up to 10 s to drain and exit before SIGKILL), or as a crash
    /// does (<paramref name="kill"/>: SIGKILL at once). Returns once it has exited.
    /// </summary>
    public async Task StopAsync(bool kill)
    {
        if (_process.HasExited)
        {
            return;
        }

        if (kill)
        {
            _process.Kill();
        }
        else
        {
            Native.Terminate(_process.Id);
        }

        using var grace = new CancellationTokenSource(StopGrace);
        try
        {
            await _process.WaitForExitAsync(grace.Token);
        }
        catch (OperationCanceledException)
        {
            _process.Kill(entireProcessTree: true);
            await _process.WaitForExitAsync(CancellationToken.None);
        }
    }

    /// <summary>Starts the stopped server again, with the same command, environment and port; returns once it answers.</summary>
    public async Task StartAgainAsync(CancellationToken cancellationToken)
    {
        if (!_process.HasExited)
        {
            throw new InvalidOperationException($"{Name} is still running");
        }

        _process.Dispose();
        Launch();
        await WaitUntilReadyAsync(_readyPath, cancellationToken);
    }

    public static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    public string LastLines() => _lastLines.ToString();

    private async Task WaitUntilReadyAsync(string readyPath, CancellationToken cancellationToken)
    {
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(2) };
        var deadline = Stopwatch.StartNew();
        while (deadline.Elapsed < TimeSpan.FromSeconds(30))
        {
            if (_process.HasExited)
            {
                throw new InvalidOperationException($"{Name} exited with {_process.ExitCode} while starting:{Environment.NewLine}{LastLines()}");
            }

            try
            {
                using var response = await http.GetAsync(new Uri(BaseAddress, readyPath), cancellationToken);
                if (response.IsSuccessStatusCode)
                {
                    return;
                }
            }
            catch (Exception exception) when (exception is HttpRequestException or TaskCanceledException && !cancellationToken.IsCancellationRequested)
            {
                // Not listening yet.
            }

            await Task.Delay(100, cancellationToken);
        }

        throw new TimeoutException($"{Name} was not ready within 30 s:{Environment.NewLine}{LastLines()}");
    }

    public async ValueTask DisposeAsync()
    {
        try
        {
            await StopAsync(kill: false);
        }
        finally
        {
            _process.Dispose();
        }
    }
}
