using System.Diagnostics;
using Reflector.Relay.Bench.Clients;
using Reflector.Relay.Bench.Hosting;
using Reflector.Relay.Bench.Soak;

namespace Reflector.Relay.Bench.Scenarios;

/// <summary>
/// A deploy of the relay under load: every tab connected and events flowing, the relay holding them is stopped with
/// SIGTERM and started again on the same port; in a cluster each node in turn, the next once the last one's tabs are
/// back. The tabs come back by themselves as browsers' SignalR clients do (<see cref="BenchOptions.ReconnectDelays"/>),
/// through a sticky balancer that takes a node out while it is down (<see cref="SystemUnderTest.Route"/>). Reports per
/// restart the time until every tab the node held is back and every user's upstream is open again; per tab how often
/// it was disconnected and came back against how often its own node was restarted; and the soak's ledger over the
/// whole run: an event counts as lost only if its tab was connected and told its upstream was up throughout.
/// </summary>
internal sealed class RestartScenario(BenchOptions options, int slot, TextWriter log)
{
    private const int ConnectConcurrency = 100;
    private static readonly TimeSpan ChunkLength = TimeSpan.FromSeconds(5);
    private static readonly TimeSpan BackTimeout = TimeSpan.FromMinutes(3);
    private static readonly TimeSpan DropMargin = TimeSpan.FromSeconds(2);
    private static readonly TimeSpan ReceiveDeadline = TimeSpan.FromSeconds(5);

    /// <summary>Events flow this long before the first restart and after the last tab is back.</summary>
    private static readonly TimeSpan Settled = TimeSpan.FromSeconds(3);

    public async Task<RestartResult> RunAsync(SystemUnderTest system, CancellationToken cancellationToken)
    {
        var users = SoakPopulation.UserIds("r", options.RestartUsers);
        var ledger = new SoakLedger(users);
        var tokens = await system.UpstreamApi.TokensAsync(users, cancellationToken);
        var tabCount = users.Length * options.Tabs;
        var tabs = new Tab?[tabCount];
        using var sources = new SourceAddresses(10 + slot, tabCount, options.ConnectionsPerSourceAddress);
        var connected = await TabConnector.ConnectAllAsync(Enumerable.Range(0, tabCount), ConnectConcurrency, async (index, _, token) =>
        {
            var user = index / options.Tabs;
            var browser = system.Browser(user, index % options.Tabs);
            ledger.TabConnecting(index, user);
            var tab = await Tab.ConnectAsync(
                index, system.Protocol, system.Route(browser), tokens[user], sources.For(index), ledger, token,
                new TabReconnect(options.ReconnectDelays, () => system.Route(browser)));
            ledger.TabOpened(index);
            tabs[index] = tab;
        }, cancellationToken);
        foreach (var failed in connected.FailedTabs)
        {
            ledger.TabFailed(failed);
        }

        connected.ThrowIfRefused();
        var pings = new TabPings(() => tabs);
        pings.Start();
        var restarts = new List<NodeRestart>();
        var ownRestarts = new int[tabCount];
        long sent = 0;
        try
        {
            await system.WaitForUpstreamsAsync(users.Length, TimeSpan.FromMinutes(2), cancellationToken);
            using var stopping = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            var loading = LoadAsync(system, ledger, users, stopping.Token);
            await Task.Delay(Settled, cancellationToken);
            for (var node = 0; node < system.Fronts.Count; node++)
            {
                var restart = await RestartNodeAsync(system, node, tabs, ownRestarts, users.Length, cancellationToken);
                log.WriteLine(FormattableString.Invariant(
                    $"[{system.Name}] restart of {system.Fronts[node].Name}: {restart.Tabs} tabs on it, exited after {restart.StoppedSeconds:0.0} s, running again after {restart.RunningSeconds:0.0} s, tabs back after {restart.TabsBackSeconds:0.0} s, upstreams ready after {restart.UpstreamsReadySeconds:0.0} s"));
                restarts.Add(restart);
            }

            await Task.Delay(Settled, cancellationToken);
            await stopping.CancelAsync();
            sent = await loading;
            await Task.Delay(ReceiveDeadline, cancellationToken);
        }
        finally
        {
            await pings.DisposeAsync();
            await Task.WhenAll(tabs.Select(async (tab, index) =>
            {
                if (tab is not null)
                {
                    ledger.TabClosing(index);
                    await tab.DisposeAsync();
                }
            }));
        }

        var held = tabs.OfType<Tab>().ToArray();
        var reconnects = held.Select(tab => tab.Reconnects).ToArray();
        return new RestartResult(
            users.Length,
            held.Length,
            connected.FailedTabs.Length,
            options.Rate,
            string.Join(", ", options.ReconnectDelays.Select(delay => FormattableString.Invariant($"{delay.TotalSeconds:0.#}"))) + " s",
            restarts,
            sent,
            held.Sum(tab => tab.Disconnects),
            reconnects.Sum(),
            held.Sum(tab => tab.FailedAttempts),
            string.Join(", ", reconnects.CountBy(count => count).OrderBy(pair => pair.Key).Select(pair => $"{pair.Key}: {pair.Value}")),
            held.Count(tab => tab.Disconnects > ownRestarts[tab.Index] || tab.Reconnects > ownRestarts[tab.Index]),
            held.Count(tab => tab.Reconnects < tab.Disconnects),
            ledger.Evaluate(DropMargin, ReceiveDeadline));
    }

    /// <summary>One node out of the balancer, SIGTERM, started again on its port, back in; then waits for its tabs and the upstreams.</summary>
    private static async Task<NodeRestart> RestartNodeAsync(
        SystemUnderTest system, int node, Tab?[] tabs, int[] ownRestarts, int users, CancellationToken cancellationToken)
    {
        var front = system.Fronts[node];
        var url = system.ClientUrls[node];
        var onNode = tabs.OfType<Tab>().Where(tab => tab.Url == url).ToArray();
        foreach (var tab in onNode)
        {
            ownRestarts[tab.Index]++;
        }

        var clock = Stopwatch.StartNew();
        var stoppedAt = Stopwatch.GetTimestamp();
        system.SetNodeUp(node, false);

        // Watched from the SIGTERM on: in a cluster the tabs are back on other nodes long before this one runs again.
        var watching = WatchAsync(system, onNode, stoppedAt, users, cancellationToken);
        await front.StopAsync(kill: false);
        var stopped = clock.Elapsed.TotalSeconds;
        await front.StartAgainAsync(cancellationToken);
        var running = clock.Elapsed.TotalSeconds;
        system.SetNodeUp(node, true);
        var (back, ready) = await watching;
        return new NodeRestart(node, onNode.Length, stopped, running, back, ready);
    }

    /// <summary>
    /// Seconds from <paramref name="stoppedAt"/> until every tab of <paramref name="onNode"/> connected again (on this node
    /// or, through the balancer, another), and then until Reflector holds one upstream socket per user again; NaN when
    /// not within 3 minutes.
    /// </summary>
    private static async Task<(double TabsBack, double UpstreamsReady)> WatchAsync(
        SystemUnderTest system, Tab[] onNode, long stoppedAt, int users, CancellationToken cancellationToken)
    {
        if (!await WaitAsync(() => Task.FromResult(onNode.All(tab => tab.IsOpen && tab.OpenedAt > stoppedAt)), cancellationToken))
        {
            return (double.NaN, double.NaN);
        }

        var back = onNode.Length > 0 ? Stopwatch.GetElapsedTime(stoppedAt, onNode.Max(tab => tab.OpenedAt)).TotalSeconds : 0;
        var ready = await WaitAsync(async () => await system.UpstreamApi.OpenSocketsAsync(cancellationToken) == users, cancellationToken)
            ? Stopwatch.GetElapsedTime(stoppedAt).TotalSeconds
            : double.NaN;
        return (back, ready);
    }

    private static async Task<bool> WaitAsync(Func<Task<bool>> done, CancellationToken cancellationToken)
    {
        var clock = Stopwatch.StartNew();
        while (clock.Elapsed < BackTimeout)
        {
            try
            {
                if (await done())
                {
                    return true;
                }
            }
            catch (HttpRequestException)
            {
                // A node not answering yet.
            }

            await Task.Delay(50, cancellationToken);
        }

        return false;
    }

    /// <summary>Steady load in back-to-back chunks, as the soak's, to every user until stopped; returns the events sent.</summary>
    private async Task<long> LoadAsync(SystemUnderTest system, SoakLedger ledger, string[] users, CancellationToken stopping)
    {
        long sent = 0;
        for (var chunk = 0; !stopping.IsCancellationRequested; chunk++)
        {
            ledger.ChunkStarted(chunk, (long)Math.Round(options.Rate * ChunkLength.TotalSeconds) + 1);

            // Not cancelled: a chunk cut short would leave events whose fate nobody can judge.
            var load = await system.UpstreamApi.RateAsync(SoakLedger.ChunkRunId(chunk), users, options.Rate, ChunkLength.TotalSeconds, CancellationToken.None);
            ledger.ChunkEnded(chunk, load.Sent);
            sent += load.Sent;
        }

        return sent;
    }
}
