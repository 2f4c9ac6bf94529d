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

    private readonly Lock _tabsLock = new();
    private readonly Dictionary<int, Tab> _tabs = [];
    private readonly DeliveryRecorder _recorder = new();
    private readonly TabPings _pings;
    private SourceAddresses? _sources;

    private ClientWorker()
    {
        _pings = new TabPings(Snapshot);
    }

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
        if (request.Urls.Length != request.Tabs.Length)
        {
            throw new InvalidOperationException("connect needs an address per tab");
        }

        _sources ??= new SourceAddresses(request.SourceBlock, request.MostConnections, request.ConnectionsPerAddress);
        if (request.Protocol.IsRelay())
        {
            _pings.Start();
        }

        var sources = _sources;
        var tally = await TabConnector.ConnectAllAsync(request.Tabs, Math.Max(1, request.Concurrency), async (index, position, _) =>
        {
            var tab = await Tab.ConnectAsync(index, request.Protocol, request.Urls[position], request.Tokens[position], sources.For(index), _recorder, cancellationToken);
            lock (_tabsLock)
            {
                _tabs[index] = tab;
            }
        }, cancellationToken);

        // The bench tells a refusal apart (the hub does not speak the protocol) and throws it there.
        return new WorkerReply
        {
            Connected = request.Tabs.Length - tally.FailedTabs.Length,
            FailedTabs = tally.FailedTabs,
            FirstError = tally.FirstError,
            Refused = tally.Refusal is not null,
        };
    }

    private Tab[] Snapshot()
    {
        lock (_tabsLock)
        {
            return [.. _tabs.Values];
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _pings.DisposeAsync();
        var clock = Stopwatch.StartNew();
        await Task.WhenAll(Snapshot().Select(tab => tab.DisposeAsync().AsTask()));
        await Console.Error.WriteLineAsync($"client worker {Environment.ProcessId}: closed {Snapshot().Length} tabs in {clock.Elapsed.TotalSeconds:0.0} s");
        _sources?.Dispose();
    }
}
