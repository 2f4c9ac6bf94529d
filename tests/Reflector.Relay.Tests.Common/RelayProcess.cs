using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Text.RegularExpressions;

namespace Reflector.Relay.Tests.Common;

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
        Id = _process.Id;
        Exited = _process.WaitForExitAsync();
    }

    public string Output => string.Join(Environment.NewLine, _output);

    /// <summary>Its process id, still readable once it has exited and been disposed.</summary>
    public int Id { get; }

    /// <summary>Completes when the process has exited, however it ended; unbounded, for racing against <see cref="Started"/>.</summary>
    public Task Exited { get; }

    public bool HasExited => _process.HasExited;

    /// <summary>Stopped by SIGSTOP, as <c>/proc</c> reports it: every thread halted, sockets open but unanswered.</summary>
    public bool IsPaused =>
        File.ReadAllText($"/proc/{Id.ToString(CultureInfo.InvariantCulture)}/stat") is var stat
        // The state follows the command name in parentheses, which may itself hold spaces or ')'.
        && stat[(stat.LastIndexOf(')') + 2)..] is ['T' or 't', ..];

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
    public void SendSigterm() => Signal("TERM");

    /// <summary>SIGKILL, as a crash or the OOM killer ends it: no goodbye on any socket. Returns once it has exited.</summary>
    public async Task KillAsync()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
        }

        await _process.WaitForExitAsync().DefaultTimeout();
    }

    /// <summary>SIGSTOP, as a long GC pause or a frozen VM looks from outside. Returns once the kernel reports it stopped.</summary>
    public async Task PauseAsync()
    {
        Signal("STOP");
        await TestTimeouts.Eventually(() => IsPaused, $"relay process {Id} is stopped");
    }

    /// <summary>SIGCONT after <see cref="PauseAsync"/>. Returns once the kernel reports it running again.</summary>
    public async Task ResumeAsync()
    {
        Signal("CONT");
        await TestTimeouts.Eventually(() => !IsPaused, $"relay process {Id} runs again");
    }

    public void Dispose()
    {
        // SIGKILL ends a paused process too.
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
        }

        _process.Dispose();
    }

    private void Signal(string name)
    {
        using var kill = Process.Start("kill", [$"-{name}", Id.ToString(CultureInfo.InvariantCulture)]);
        kill.WaitForExit();
        if (kill.ExitCode != 0)
        {
            throw new InvalidOperationException($"kill -{name} {Id} failed (exit code {kill.ExitCode}).");
        }
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
