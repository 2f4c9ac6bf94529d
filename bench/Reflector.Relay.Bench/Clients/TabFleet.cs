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
    private readonly SystemUnderTest _system;
    private readonly SourceAddresses _sources;
    private readonly Lock _tabsLock = new();
    private readonly List<Tab?> _tabs = [];
    private readonly List<string> _users = [];
    private readonly TabPings _pings;

    public TabFleet(SystemUnderTest system, SourceAddresses sources, int tabsPerUser)
    {
        _system = system;
        _sources = sources;
        TabsPerUser = tabsPerUser;
        _pings = new TabPings(Snapshot);
        if (system.Protocol.IsRelay())
        {
            _pings.Start();
        }
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
        var tokens = await _system.UpstreamApi.TokensAsync(newUsers, cancellationToken);
        int firstTab;
        lock (_tabsLock)
        {
            firstTab = _tabs.Count;
            _users.AddRange(newUsers);
            _tabs.AddRange(new Tab?[users * TabsPerUser]);
        }

        var tally = await TabConnector.ConnectAllAsync(Enumerable.Range(firstTab, users * TabsPerUser), concurrency, async (index, _, _) =>
        {
            var token = tokens[(index / TabsPerUser) - (firstTab / TabsPerUser)];
            var tab = await Tab.ConnectAsync(index, _system.Protocol, _system.ClientUrlFor(index, TabsPerUser), token, _sources.For(index), Recorder, cancellationToken);
            lock (_tabsLock)
            {
                _tabs[index] = tab;
            }
        }, cancellationToken);

        tally.ThrowIfRefused();
        return tally.Outcome(users * TabsPerUser);
    }

    private Tab?[] Snapshot()
    {
        lock (_tabsLock)
        {
            return [.. _tabs];
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _pings.DisposeAsync();
        await Task.WhenAll(Snapshot().Where(tab => tab is not null).Select(tab => tab!.DisposeAsync().AsTask()));
    }
}
