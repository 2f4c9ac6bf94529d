using System.Globalization;
using Reflector.Relay.Bench.Clients;
using Reflector.Relay.Bench.Hosting;

namespace Reflector.Relay.Bench.Soak;

/// <summary>
/// A population of users (in the soak "soak0", "soak1", …) and whatever tabs each has open right now. Tabs join and leave
/// one at a time; a leaving tab either closes like a browser (close frame) or just vanishes (abort).
/// Every tab is reported to the <see cref="SoakLedger"/>. Open tabs are pinged so the hub keeps them.
/// </summary>
internal sealed class SoakPopulation : IAsyncDisposable
{
    private static readonly TimeSpan CloseTimeout = TimeSpan.FromSeconds(2);

    private readonly SystemUnderTest _system;
    private readonly SourceAddresses _sources;
    private readonly SoakLedger _ledger;
    private readonly string[] _tokens;
    private readonly IReadOnlyList<TimeSpan>? _reconnectDelays;
    private readonly Lock _lock = new();
    private readonly List<Tab>[] _tabs;
    private readonly TabPings _pings;
    private int _nextTab;
    private int _connectFailures;
    private string? _firstConnectError;

    private SoakPopulation(SystemUnderTest system, SourceAddresses sources, SoakLedger ledger, string[] tokens, IReadOnlyList<TimeSpan>? reconnectDelays)
    {
        _system = system;
        _reconnectDelays = reconnectDelays;
        _sources = sources;
        _ledger = ledger;
        _tokens = tokens;
        _tabs = [.. tokens.Select(_ => new List<Tab>())];
        _pings = new TabPings(Snapshot);
        _pings.Start();
    }

    public int Users => _tokens.Length;

    public int ConnectFailures => Volatile.Read(ref _connectFailures);

    public string? FirstConnectError => Volatile.Read(ref _firstConnectError);

    public int TabsOpened => Volatile.Read(ref _nextTab);

    public static string[] UserIds(string prefix, int count) =>
        [.. Enumerable.Range(0, count).Select(user => string.Create(CultureInfo.InvariantCulture, $"{prefix}{user}"))];

    /// <param name="reconnectDelays">
    /// Null: a tab the server closes stays closed (one relay, which nothing kills). Otherwise tabs come back by
    /// themselves after these delays, through the cluster's balancer (<see cref="SystemUnderTest.Route"/>).
    /// </param>
    public static async Task<SoakPopulation> CreateAsync(
        SystemUnderTest system, SourceAddresses sources, SoakLedger ledger, string[] users, IReadOnlyList<TimeSpan>? reconnectDelays,
        CancellationToken cancellationToken)
    {
        var tokens = await system.UpstreamApi.TokensAsync(users, cancellationToken);
        return new SoakPopulation(system, sources, ledger, tokens, reconnectDelays);
    }

    /// <summary>Tabs closed by the server and not back yet.</summary>
    public int Reconnecting
    {
        get
        {
            lock (_lock)
            {
                return _tabs.Sum(tabs => tabs.Count(tab => tab.IsReconnecting));
            }
        }
    }

    /// <summary>Open tabs (the bench's own view), and users with at least one.</summary>
    public (int Tabs, int Users) Census()
    {
        lock (_lock)
        {
            var tabs = 0;
            var users = 0;
            foreach (var userTabs in _tabs)
            {
                var open = userTabs.Count(tab => tab.IsOpen);
                tabs += open;
                users += open > 0 ? 1 : 0;
            }

            return (tabs, users);
        }
    }

    /// <summary>Tabs of <paramref name="user"/> still held, after letting go of any the server closed.</summary>
    public async Task<int> TabsOfAsync(int user)
    {
        List<Tab> gone;
        int count;
        lock (_lock)
        {
            gone = _tabs[user].FindAll(tab => !tab.IsHeld);
            _tabs[user].RemoveAll(gone.Contains);
            count = _tabs[user].Count;
        }

        foreach (var tab in gone)
        {
            await tab.DisposeAsync();
        }

        return count;
    }

    public async Task JoinAsync(int user, CancellationToken cancellationToken)
    {
        var index = Interlocked.Increment(ref _nextTab) - 1;
        _ledger.TabConnecting(index, user);
        try
        {
            var browser = _system.Browser(user, index);
            var reconnect = _reconnectDelays is { } delays ? new TabReconnect(delays, () => _system.Route(browser)) : null;
            var tab = await Tab.ConnectAsync(
                index, _system.Protocol, _system.Route(browser), _tokens[user], _sources.For(index), _ledger, cancellationToken, reconnect);
            _ledger.TabOpened(index);
            lock (_lock)
            {
                _tabs[user].Add(tab);
            }
        }
        catch (Exception exception) when (exception is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            _ledger.TabFailed(index);
            Interlocked.Increment(ref _connectFailures);
            Interlocked.CompareExchange(ref _firstConnectError, exception.GetBaseException().Message, null);
        }
    }

    /// <summary>Closes one of <paramref name="user"/>'s tabs, chosen by <paramref name="random"/>, gracefully or not.</summary>
    public async Task LeaveAsync(int user, Random random)
    {
        Tab tab;
        lock (_lock)
        {
            var tabs = _tabs[user];
            if (tabs.Count == 0)
            {
                return;
            }

            tab = tabs[random.Next(tabs.Count)];
            tabs.Remove(tab);
        }

        await CloseAsync(tab, graceful: random.Next(2) == 0);
    }

    /// <summary>Closes every tab at once, half of them gracefully.</summary>
    public async Task LeaveAllAsync(Random random)
    {
        List<Tab> all;
        lock (_lock)
        {
            all = [.. _tabs.SelectMany(tabs => tabs)];
            foreach (var tabs in _tabs)
            {
                tabs.Clear();
            }
        }

        var graceful = all.Select(_ => random.Next(2) == 0).ToArray();
        await Task.WhenAll(all.Select((tab, i) => CloseAsync(tab, graceful[i])));
    }

    private async Task CloseAsync(Tab tab, bool graceful)
    {
        _ledger.TabClosing(tab.Index);
        if (graceful)
        {
            await tab.CloseAsync(CloseTimeout);
        }
        else
        {
            await tab.DisposeAsync();
        }
    }

    private Tab[] Snapshot()
    {
        lock (_lock)
        {
            return [.. _tabs.SelectMany(tabs => tabs)];
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _pings.DisposeAsync();
        await Task.WhenAll(Snapshot().Select(tab => tab.DisposeAsync().AsTask()));
    }
}
