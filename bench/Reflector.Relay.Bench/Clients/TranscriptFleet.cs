using System.Diagnostics;
using System.Globalization;
using Reflector.Relay.Bench.Hosting;
using Reflector.Relay.Bench.Measurement;

namespace Reflector.Relay.Bench.Clients;

/// <summary>
/// The tabs of the transcripts scenario: users "u0", "u1", … with a fixed number of tabs each, every tab of
/// user u on transcript u mod the number of transcripts (so the relay can share one stream per user). Keeps
/// SignalR tabs alive with pings, and aborts every tab on dispose.
/// </summary>
internal sealed class TranscriptFleet : IAsyncDisposable
{
    private static readonly TimeSpan PingInterval = TimeSpan.FromSeconds(10);
    private static readonly TimeSpan SubscribeTimeout = TimeSpan.FromSeconds(30);

    private readonly SystemUnderTest _system;
    private readonly SourceAddresses _sources;
    private readonly IReadOnlyList<string> _transcripts;
    private readonly TranscriptTab?[] _tabs;
    private readonly CancellationTokenSource _stopping = new();
    private Task _pinging = Task.CompletedTask;

    public TranscriptFleet(SystemUnderTest system, SourceAddresses sources, IReadOnlyList<string> transcripts, int users, int tabsPerUser)
    {
        _system = system;
        _sources = sources;
        _transcripts = transcripts;
        TabsPerUser = tabsPerUser;
        Users = [.. Enumerable.Range(0, users).Select(i => string.Create(CultureInfo.InvariantCulture, $"u{i}"))];
        _tabs = new TranscriptTab?[users * tabsPerUser];
    }

    public TranscriptRecorder Recorder { get; } = new();

    public IReadOnlyList<string> Users { get; }

    public int TabsPerUser { get; }

    public int TabCount => _tabs.Length;

    /// <summary>The index, in the scenario's transcript list, of the transcript a tab follows.</summary>
    public int TranscriptOf(int tab) => tab / TabsPerUser % _transcripts.Count;

    /// <summary>Which tabs connected (and, for the relay, subscribed), by index.</summary>
    public bool[] Connected() => [.. _tabs.Select(tab => tab is not null)];

    /// <summary>Connects every tab, at most <paramref name="concurrency"/> at a time, then starts the relay tabs' pings.</summary>
    public async Task<ConnectOutcome> ConnectAsync(int concurrency, CancellationToken cancellationToken)
    {
        var tokens = await _system.SimulatorApi.TokensAsync(Users, cancellationToken);
        using var gate = new SemaphoreSlim(concurrency);
        var failures = 0;
        string? firstError = null;
        var clock = Stopwatch.StartNew();
        await Task.WhenAll(Enumerable.Range(0, _tabs.Length).Select(async index =>
        {
            await gate.WaitAsync(cancellationToken);
            try
            {
                var transcript = _transcripts[TranscriptOf(index)];
                _tabs[index] = await TranscriptTab.ConnectAsync(
                    index, _system.Protocol, _system.TranscriptClientUrl(transcript), transcript, tokens[index / TabsPerUser],
                    _sources.For(index), Recorder, SubscribeTimeout, cancellationToken);
            }
            catch (HandshakeRefusedException)
            {
                throw;
            }
            catch (Exception exception) when (exception is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
            {
                Interlocked.Increment(ref failures);
                Interlocked.CompareExchange(ref firstError, exception.GetBaseException().Message, null);
            }
            finally
            {
                gate.Release();
            }
        }));

        if (_system.Protocol.IsRelay())
        {
            _pinging = Task.Run(PingLoopAsync, CancellationToken.None);
        }

        return new ConnectOutcome(_tabs.Length - failures, failures, clock.Elapsed.TotalSeconds, firstError);
    }

    private async Task PingLoopAsync()
    {
        using var timer = new PeriodicTimer(PingInterval);
        try
        {
            while (await timer.WaitForNextTickAsync(_stopping.Token))
            {
                foreach (var tab in _tabs)
                {
                    if (tab is not null)
                    {
                        await tab.PingAsync(_stopping.Token);
                    }
                }
            }
        }
        catch (OperationCanceledException)
        {
            // Disposed.
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _stopping.CancelAsync();
        await _pinging;
        await Task.WhenAll(_tabs.Where(tab => tab is not null).Select(tab => tab!.DisposeAsync().AsTask()));
        _stopping.Dispose();
    }
}
