using System.Diagnostics;
using System.Reflection;
using System.Text.Json;
using Reflector.Relay.Bench.Hosting;

namespace Reflector.Relay.Bench.Workers;

/// <summary>
/// One client worker: this same bench, started as <c>--client-worker</c>, spoken to over its standard input and
/// output, one request at a time, each answer awaited at most for the request's timeout. Disposing asks it to
/// exit (it closes its tabs), then kills it if it has not within 30 s.
/// </summary>
internal sealed class WorkerProcess : IAsyncDisposable
{
    private readonly Process _process;
    private readonly SemaphoreSlim _turn = new(1);
    private readonly RecentLines _errors = new(kept: 20);

    private WorkerProcess(int number, Process process)
    {
        Number = number;
        _process = process;
    }

    public int Number { get; }

    public static WorkerProcess Start(int number)
    {
        var self = Environment.ProcessPath ?? throw new InvalidOperationException("the bench's own path is unknown");
        var start = new ProcessStartInfo(self)
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        if (Path.GetFileNameWithoutExtension(self) == "dotnet")
        {
            // Run as `dotnet Reflector.Relay.Bench.dll`: start the same way.
            start.ArgumentList.Add(Assembly.GetEntryAssembly()!.Location);
        }

        start.ArgumentList.Add("--client-worker");
        start.Environment["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1";
        var process = Process.Start(start) ?? throw new InvalidOperationException("a client worker did not start");
        var worker = new WorkerProcess(number, process);
        process.ErrorDataReceived += (_, line) => worker._errors.Keep(line.Data);
        process.BeginErrorReadLine();
        return worker;
    }

    public async Task<WorkerReply> RequestAsync(WorkerRequest request, TimeSpan timeout, CancellationToken cancellationToken)
    {
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        deadline.CancelAfter(timeout);
        await _turn.WaitAsync(deadline.Token);
        try
        {
            await _process.StandardInput.WriteLineAsync(JsonSerializer.Serialize(request, WorkerJson.Options).AsMemory(), deadline.Token);
            await _process.StandardInput.FlushAsync(deadline.Token);
            var line = await _process.StandardOutput.ReadLineAsync(deadline.Token)
                ?? throw new InvalidOperationException($"client worker {Number} exited:{Environment.NewLine}{_errors}");
            var reply = JsonSerializer.Deserialize<WorkerReply>(line, WorkerJson.Options)!;
            return reply.Error is null ? reply : throw new InvalidOperationException($"client worker {Number}, {request.Op}: {reply.Error}");
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            throw new TimeoutException($"client worker {Number} did not answer {request.Op} within {timeout}:{Environment.NewLine}{_errors}");
        }
        finally
        {
            _turn.Release();
        }
    }

    public async ValueTask DisposeAsync()
    {
        using var grace = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        try
        {
            if (!_process.HasExited)
            {
                await _process.StandardInput.WriteLineAsync("""{"op":"exit"}""".AsMemory(), grace.Token);
                _process.StandardInput.Close();
                await _process.WaitForExitAsync(grace.Token);
            }
        }
        catch (Exception exception) when (exception is OperationCanceledException or IOException)
        {
            // An IOException is its input closed under us: it may have exited already; kill only a worker that has not.
            if (!_process.HasExited)
            {
                _process.Kill();
                await _process.WaitForExitAsync(CancellationToken.None);
            }
        }
        finally
        {
            _process.Dispose();
            _turn.Dispose();
        }
    }
}
