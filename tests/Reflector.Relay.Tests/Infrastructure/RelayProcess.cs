using System.Collections.Concurrent;
using System.Diagnostics;
using System.Text.RegularExpressions;

namespace Reflector.Relay.Tests.Infrastructure;

/// <summary>The relay as its own process (<c>dotnet Reflector.Relay.dll</c>), as a container runs it.</summary>
internal sealed partial class RelayProcess : IDisposable
{
    private readonly Process _process;
    private readonly ConcurrentQueue<string> _output = new();
    private readonly TaskCompletionSource<Uri> _listening = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly TaskCompletionSource<IReadOnlyList<Uri>> _started = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly ConcurrentQueue<Uri> _addresses = new();

    /// <param name="environment">Variables set for the process (a null value removes one).</param>
    /// <param name="directory">Where Reflector.Relay.dll is: the build beside the tests unless given (a publish folder).</param>
    public RelayProcess(IDictionary<string, string?> environment, string? directory = null)
    {
        var start = new ProcessStartInfo("dotnet", "Reflector.Relay.dll")
        {
            WorkingDirectory = directory ?? AppContext.BaseDirectory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        start.Environment["ASPNETCORE_ENVIRONMENT"] = "Production";
        start.Environment["ASPNETCORE_URLS"] = "http://127.0.0.1:0";
        foreach (var (key, value) in environment)
        {
            start.Environment[key] = value;
        }

        _process = new Process { StartInfo = start };
        _process.OutputDataReceived += (_, line) => OnLine(line.Data);
        _process.ErrorDataReceived += (_, line) => OnLine(line.Data);
        _process.Start();
        _process.BeginOutputReadLine();
        _process.BeginErrorReadLine();
    }

    public string Output => string.Join(Environment.NewLine, _output);

    /// <summary>The address Kestrel reports once it listens.</summary>
    public Task<Uri> Listening => _listening.Task;

    /// <summary>Every address Kestrel reports, once the application has started.</summary>
    public Task<IReadOnlyList<Uri>> Started => _started.Task;

    public async Task<int> WaitForExitAsync()
    {
        await _process.WaitForExitAsync().DefaultTimeout();
        return _process.ExitCode;
    }

    /// <summary>What a container runtime sends on <c>docker stop</c>.</summary>
    public void SendSigterm()
    {
        using var kill = Process.Start("kill", ["-TERM", _process.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)]);
        kill.WaitForExit();
    }

    public void Dispose()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
        }

        _process.Dispose();
    }

    private void OnLine(string? line)
    {
        if (line is null)
        {
            return;
        }

        _output.Enqueue(line);
        if (ListeningOn().Match(line) is { Success: true } match)
        {
            var address = new Uri(match.Groups[1].Value);
            _addresses.Enqueue(address);
            _listening.TrySetResult(address);
        }
        else if (line.Contains("Application started.", StringComparison.Ordinal))
        {
            _started.TrySetResult([.. _addresses]);
        }
    }

    [GeneratedRegex(@"Now listening on: (http://\S+)")]
    private static partial Regex ListeningOn();
}
