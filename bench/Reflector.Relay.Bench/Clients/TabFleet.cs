using System.Diagnostics;
using System.Globalization;
using Reflector.Relay.Bench.Hosting;
using Reflector.Relay.Bench.Measurement;

namespace Reflector.Relay.Bench.Clients;

/// <summary>
/// All the tabs of one scenario, in this process: users "u0", "u1", … with a fixed number of tabs each (tab t
/// belongs to user t / tabsPerUser). Keeps SignalR tabs alive with pings, and aborts every tab on dispose.
/// </summary>
internal sealed class TabFleet : IClientFleet
{
    private static readonly TimeSpan PingInterval = TimeSpan.FromSeconds(10);

    private readonly SystemUnderTest _system;
    private readonly SourceAddresses _sources;
    private readonly Lock _tabsLock = new();
    private readonly List<Tab?> _tabs = [];
    private readonly List<string> _users = [];
    private readonly CancellationTokenSource _stopping = new();
    private readonly Task _pinging;

    public TabFleet(SystemUnderTest system, SourceAddresses sources, int tabsPerUser)
    {
        _system = system;
        _sources = sources;
        TabsPerUser = tabsPerUser;
        _pinging = system.Protocol.IsRelay() ? Task.Run(PingLoopAsync) : Task.CompletedTask;
    }

    public DeliveryRecorder Recorder { get; } = new();

    public int TabsPerUser { get; }

    public IReadOnlyList<string> Users => _users;

    public int TabCount => Snapshot().Length;

    public int OpenTabs => Snapshot().Count(tab => tab is { IsOpen: true });

    /// <summary>Which tabs connected, by index.</summary>
    public bool[] Connected() => [.. Snapshot().Select(tab => tab is not null)];

    public Task<bool[]> ConnectedAsync(CancellationToken cancellationToken) => Task.FromResult(Connected());

    public Task<int> OpenTabsAsync(CancellationToken cancellationToken) => Task.FromResult(OpenTabs);

    public Task BeginAsync(string runId, long expectedDeliveries, CancellationToken cancellationToken)
    {
        Recorder.Begin(runId, TabCount, expectedDeliveries);
        return Task.CompletedTask;
    }

    public Task<long> DeliveredAsync(CancellationToken cancellationToken) => Task.FromResult(Recorder.Current?.Delivered ?? 0);

    public Task<IReadOnlyList<RecordingPart>> EndAsync(CancellationToken cancellationToken)
    {
        var recording = Recorder.Current;
        Recorder.End();
        return Task.FromResult<IReadOnlyList<RecordingPart>>(recording is null ? [] : [recording.Part(Enumerable.Range(0, TabCount))]);
    }

    /// <summary>Adds <paramref name="users"/> users and connects all their tabs, at most <paramref name="concurrency"/> at a time.</summary>
    public async Task<ConnectOutcome> AddUsersAsync(int users, int concurrency, CancellationToken cancellationToken)
    {
        var newUsers = Enumerable.Range(_users.Count, users).Select(i => string.Create(CultureInfo.InvariantCulture, $"u{i}")).ToArray();
        var tokens = await _system.SimulatorApi.TokensAsync(newUsers, cancellationToken);
        int firstTab;
        lock (_tabsLock)
        {
            firstTab = _tabs.Count;
            _users.AddRange(newUsers);
            _tabs.AddRange(new Tab?[users * TabsPerUser]);
        }

        using var gate = new SemaphoreSlim(concurrency);
        var failures = 0;
        string? firstError = null;
        var clock = Stopwatch.StartNew();
        await Task.WhenAll(Enumerable.Range(firstTab, users * TabsPerUser).Select(async index =>
        {
            await gate.WaitAsync(cancellationToken);
            try
            {
                var token = tokens[(index / TabsPerUser) - (firstTab / TabsPerUser)];
                var tab = await Tab.ConnectAsync(index, _system.Protocol, _system.ClientUrl, token, _sources.For(index), Recorder, cancellationToken);
                lock (_tabsLock)
                {
                    _tabs[index] = tab;
                }
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

        return new ConnectOutcome(users * TabsPerUser - failures, failures, clock.Elapsed.TotalSeconds, firstError);
    }

    private Tab?[] Snapshot()
    {
        lock (_tabsLock)
        {
            return [.. _tabs];
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
        await Task.WhenAll(Snapshot().Where(tab => tab is not null).Select(tab => tab!.DisposeAsync().AsTask()));
        _stopping.Dispose();
    }
}

internal sealed record ConnectOutcome(int Connected, int Failed, double Seconds, string? FirstError);
