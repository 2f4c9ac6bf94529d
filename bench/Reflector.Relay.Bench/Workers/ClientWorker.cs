using System.Diagnostics;
using System.Text.Json;
using Reflector.Relay.Bench.Clients;
using Reflector.Relay.Bench.Hosting;
using Reflector.Relay.Bench.Measurement;

namespace Reflector.Relay.Bench.Workers;

/// <summary>
/// The bench started as a client worker (<c>--client-worker</c>): holds its share of a fleet's tabs and answers
/// <see cref="WorkerRequest"/>s, one JSON line in, one out, until <c>exit</c>, the end of its input (the bench is
/// gone) or <see cref="MostLifetime"/>, whichever comes first. Writes nothing else to its standard output.
/// </summary>
internal sealed class ClientWorker : IAsyncDisposable
{
    /// <summary>The longest a worker lives, whatever happens to the bench that started it.</summary>
    public static readonly TimeSpan MostLifetime = TimeSpan.FromHours(4);

    private static readonly TimeSpan PingInterval = TimeSpan.FromSeconds(10);

    private readonly Lock _tabsLock = new();
    private readonly Dictionary<int, Tab> _tabs = [];
    private readonly DeliveryRecorder _recorder = new();
    private readonly CancellationTokenSource _stopping = new();
    private SourceAddresses? _sources;
    private Task _pinging = Task.CompletedTask;

    public static async Task<int> RunAsync(TextReader input, TextWriter output)
    {
        Native.TryRaiseOpenFileLimit(Native.OpenFileLimit().Hard);
        using var lifetime = new CancellationTokenSource(MostLifetime);
        await using var worker = new ClientWorker();
        try
        {
            while (await input.ReadLineAsync(lifetime.Token) is { } line)
            {
                var request = JsonSerializer.Deserialize<WorkerRequest>(line, WorkerJson.Options);
                if (request is null or { Op: "exit" })
                {
                    break;
                }

                WorkerReply reply;
                try
                {
                    reply = await worker.HandleAsync(request, lifetime.Token);
                }
                catch (Exception exception) when (exception is not OperationCanceledException)
                {
                    reply = new WorkerReply { Error = exception.GetBaseException().Message };
                }

                await output.WriteLineAsync(JsonSerializer.Serialize(reply, WorkerJson.Options));
                await output.FlushAsync(lifetime.Token);
            }
        }
        catch (OperationCanceledException)
        {
            await Console.Error.WriteLineAsync($"client worker {Environment.ProcessId}: lived {MostLifetime}, stopping");
        }

        return 0;
    }

    private async Task<WorkerReply> HandleAsync(WorkerRequest request, CancellationToken cancellationToken)
    {
        switch (request.Op)
        {
            case "connect":
                return await ConnectAsync(request, cancellationToken);
            case "begin":
                _recorder.Begin(request.RunId, request.TabCount, request.ExpectedDeliveries);
                return new WorkerReply();
            case "delivered":
                return new WorkerReply { Delivered = _recorder.Current?.Delivered ?? 0 };
            case "end":
                var recording = _recorder.Current;
                _recorder.End();
                return new WorkerReply { Part = recording?.Part(Snapshot().Select(tab => tab.Index)) };
            case "open":
                return new WorkerReply { Open = Snapshot().Count(tab => tab.IsOpen) };
            default:
                throw new InvalidOperationException($"unknown command {request.Op}");
        }
    }

    private async Task<WorkerReply> ConnectAsync(WorkerRequest request, CancellationToken cancellationToken)
    {
        var url = request.Url ?? throw new InvalidOperationException("connect needs a url");
        _sources ??= new SourceAddresses(request.SourceBlock, request.MostConnections, request.ConnectionsPerAddress);
        if (request.Protocol.IsRelay() && _pinging.IsCompleted)
        {
            _pinging = Task.Run(PingLoopAsync, CancellationToken.None);
        }

        using var gate = new SemaphoreSlim(Math.Max(1, request.Concurrency));
        var failed = new List<int>();
        string? firstError = null;
        var refused = false;
        await Task.WhenAll(request.Tabs.Select(async (index, i) =>
        {
            await gate.WaitAsync(cancellationToken);
            try
            {
                var tab = await Tab.ConnectAsync(index, request.Protocol, url, request.Tokens[i], _sources.For(index), _recorder, cancellationToken);
                lock (_tabsLock)
                {
                    _tabs[index] = tab;
                }
            }
            catch (Exception exception) when (exception is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
            {
                lock (_tabsLock)
                {
                    failed.Add(index);
                    refused |= exception is HandshakeRefusedException;
                    firstError ??= exception.GetBaseException().Message;
                }
            }
            finally
            {
                gate.Release();
            }
        }));

        return new WorkerReply { Connected = request.Tabs.Length - failed.Count, FailedTabs = [.. failed], FirstError = firstError, Refused = refused };
    }

    private Tab[] Snapshot()
    {
        lock (_tabsLock)
        {
            return [.. _tabs.Values];
        }
    }

    private async Task PingLoopAsync()
    {
        using var timer = new PeriodicTimer(PingInterval);
        try
        {
            while (await timer.WaitForNextTickAsync(_stopping.Token))
            {
                foreach (var tab in Snapshot())
                {
                    await tab.PingAsync(_stopping.Token);
                }
            }
        }
        catch (OperationCanceledException)
        {
            // Stopping.
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _stopping.CancelAsync();
        await _pinging;
        var clock = Stopwatch.StartNew();
        await Task.WhenAll(Snapshot().Select(tab => tab.DisposeAsync().AsTask()));
        await Console.Error.WriteLineAsync($"client worker {Environment.ProcessId}: closed {Snapshot().Length} tabs in {clock.Elapsed.TotalSeconds:0.0} s");
        _sources?.Dispose();
        _stopping.Dispose();
    }
}
