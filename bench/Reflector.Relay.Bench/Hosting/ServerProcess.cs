using System.Diagnostics;
using System.Net;
using System.Net.Sockets;

namespace Reflector.Relay.Bench.Hosting;

/// <summary>
/// One server (simulator, relay, proxy or the Python upstream) run as its own process on 127.0.0.1.
/// Its output is kept (the last lines) to explain a failure; disposing stops it with SIGTERM, then kills it.
/// </summary>
internal sealed class ServerProcess : IAsyncDisposable
{
    private readonly Process _process;
    private readonly RecentLines _lastLines = new(kept: 40);

    private ServerProcess(string name, Process process, Uri baseAddress)
    {
        Name = name;
        _process = process;
        BaseAddress = baseAddress;
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

        var process = Process.Start(start) ?? throw new InvalidOperationException($"{name} did not start.");
        var server = new ServerProcess(name, process, new Uri($"http://127.0.0.1:{port}/"));
        process.OutputDataReceived += (_, line) => server._lastLines.Keep(line.Data);
        process.ErrorDataReceived += (_, line) => server._lastLines.Keep(line.Data);
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
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
            if (!_process.HasExited)
            {
                Native.Terminate(_process.Id);
                using var grace = new CancellationTokenSource(TimeSpan.FromSeconds(10));
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
        }
        finally
        {
            _process.Dispose();
        }
    }
}
