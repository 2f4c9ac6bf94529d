using System.Diagnostics.Metrics;
using Microsoft.Extensions.Diagnostics.Metrics.Testing;
using Reflector.Relay.Diagnostics;
using Reflector.Relay.Events;
using Reflector.Relay.Tests.Infrastructure;
using Reflector.Relay.Tests.Streams;
using Reflector.Relay.Streams;
using Reflector.Simulator;

namespace Reflector.Relay.Tests.Diagnostics;

/// <summary>
/// The upstream gauges (<c>reflector_relay.connections</c>, <c>.users</c>, <c>.upstream.open_sockets</c>,
/// <c>.upstreams</c> by state, <c>.transcript_streams</c>) are counters moved at each transition, not a walk over
/// the users at scrape time: they must equal what is there at every step, come back to zero, and be readable while
/// the lock that connects take is held.
/// </summary>
public sealed class UpstreamGaugeTests(ReflectorFixture fixture) : IClassFixture<ReflectorFixture>
{
    private static string NewUser(string name) => $"gauge-{name}-{Guid.NewGuid():N}";

    [Fact]
    public async Task The_upstream_gauges_equal_the_actual_counts_through_connects_state_changes_leaves_and_lingers_and_return_to_zero()
    {
        await using var harness = new UpstreamHarness(fixture.Reflector);
        using var gauges = new UpstreamGauges(harness.MeterFactory);
        var alice = NewUser("alice");
        var bob = NewUser("bob");
        var carol = NewUser("carol");
        await gauges.AssertAsync(new Expected());

        // Carol's token is refused: her stream counts, unauthorized, with no socket.
        fixture.Reflector.RefuseAll = true;
        string carolsTab;
        try
        {
            carolsTab = await harness.AttachAsync(carol);
            await harness.WaitForStateAsync(carol, UpstreamState.Unauthorized);
        }
        finally
        {
            fixture.Reflector.RefuseAll = false;
        }

        await gauges.AssertAsync(new Expected(Connections: 1, Users: 1, Unauthorized: 1));

        var aliceTabs = new[] { await harness.AttachAsync(alice), await harness.AttachAsync(alice) };
        await harness.WaitForStateAsync(alice, UpstreamState.Connected);
        await gauges.AssertAsync(new Expected(Connections: 3, Users: 2, OpenSockets: 1, Connected: 1, Unauthorized: 1));

        // Alice's socket drops (once the simulator has registered it, so the drop finds it): reconnecting, no
        // socket, until the retry is due.
        await fixture.Reflector.WaitForOpenSocketsAsync(alice, 1, TestTimeouts.Default);
        await fixture.Reflector.DropAllAsync();
        var retry = await harness.Sink.WaitForAsync<UpstreamStatus>(alice, status => status is { State: UpstreamState.Reconnecting, RetryInMs: > 0 });
        await gauges.AssertAsync(new Expected(Connections: 3, Users: 2, Reconnecting: 1, Unauthorized: 1));
        await harness.Time.AdvancePastTimerAsync(TimeSpan.FromMilliseconds(retry.RetryInMs!.Value));
        await harness.WaitForStateAsync(alice, UpstreamState.Connected);
        await gauges.AssertAsync(new Expected(Connections: 3, Users: 2, OpenSockets: 1, Connected: 1, Unauthorized: 1));

        var bobsTab = await harness.AttachAsync(bob);
        await harness.WaitForStateAsync(bob, UpstreamState.Connected);
        var transcriptId = fixture.Reflector.CreateTranscript(bob, TranscriptShareMode.Private);
        await harness.Manager.SubscribeTranscriptAsync(bob, transcriptId, bobsTab, harness.TokenFor(bob), CancellationToken.None).DefaultTimeout();
        await gauges.AssertAsync(new Expected(Connections: 4, Users: 3, OpenSockets: 2, Connected: 2, Unauthorized: 1, TranscriptStreams: 1));

        // Alice leaves: her stream lingers (still counted, socket open) with no connection, then goes.
        harness.Manager.Detach(alice, aliceTabs[0]);
        await gauges.AssertAsync(new Expected(Connections: 3, Users: 3, OpenSockets: 2, Connected: 2, Unauthorized: 1, TranscriptStreams: 1));
        harness.Manager.Detach(alice, aliceTabs[1]);
        await gauges.AssertAsync(new Expected(Connections: 2, Users: 2, OpenSockets: 2, Connected: 2, Unauthorized: 1, TranscriptStreams: 1));
        harness.Time.Advance(harness.Options.Linger);
        await gauges.AssertAsync(new Expected(Connections: 2, Users: 2, OpenSockets: 1, Connected: 1, Unauthorized: 1, TranscriptStreams: 1));

        // Everyone leaves; once the lingers pass, every gauge is back to zero.
        harness.Manager.UnsubscribeTranscript(bob, transcriptId, bobsTab);
        harness.Manager.Detach(bob, bobsTab);
        harness.Manager.Detach(carol, carolsTab);
        harness.Time.Advance(harness.Options.Linger);
        await gauges.AssertAsync(new Expected());
        await fixture.Reflector.WaitForOpenSocketsAsync(bob, 0, TestTimeouts.Default);
    }

    [Fact]
    public async Task The_upstream_gauges_do_not_drift_under_concurrent_joins_leaves_and_lingers()
    {
        await using var harness = new UpstreamHarness(fixture.Reflector, maxConnectionsPerUser: 1000);
        using var gauges = new UpstreamGauges(harness.MeterFactory);
        var users = Enumerable.Range(0, 6).Select(i => NewUser("churn" + i)).ToArray();
        var live = users.ToDictionary(user => user, _ => new List<string>());
        var random = new Random(17);

        for (var round = 0; round < 20; round++)
        {
            var operations = new List<Func<Task>>();
            foreach (var user in users)
            {
                var leaving = live[user].Take(Math.Min(random.Next(0, 4), live[user].Count)).ToList();
                live[user].RemoveRange(0, leaving.Count);
                operations.AddRange(leaving.Select(connectionId => (Func<Task>)(() => Task.Run(() => harness.Manager.Detach(user, connectionId)))));
                for (var joins = random.Next(0, 4); joins > 0; joins--)
                {
                    var connectionId = harness.NewConnectionId();
                    live[user].Add(connectionId);
                    operations.Add(() => Task.Run(() => harness.Manager.AttachAsync(user, connectionId, harness.TokenFor(user), CancellationToken.None)));
                }
            }

            if (random.Next(3) == 0)
            {
                operations.Add(() => Task.Run(() => harness.Time.Advance(TimeSpan.FromMilliseconds(random.Next(200, 1500)))));
            }

            await Task.WhenAll(operations.Select(operation => operation())).DefaultTimeout();
            harness.Time.Advance(harness.Options.Linger);

            var withTabs = users.Count(user => live[user].Count > 0);
            var (connections, usersGauge, streams) = (gauges.Read("reflector_relay.connections"), gauges.Read("reflector_relay.users"), gauges.States().Values.Sum());
            Assert.Equal(live.Values.Sum(tabs => tabs.Count), connections);
            Assert.Equal(withTabs, usersGauge);
            // Past the linger, a stream exists exactly for each user with a tab.
            Assert.Equal(withTabs, streams);
        }

        foreach (var user in users)
        {
            foreach (var connectionId in live[user])
            {
                harness.Manager.Detach(user, connectionId);
            }
        }

        harness.Time.Advance(harness.Options.Linger);
        await gauges.AssertAsync(new Expected());
    }

    [Fact]
    public async Task A_scrape_reads_the_upstream_gauges_while_the_lock_that_connects_take_is_held()
    {
        await using var harness = new UpstreamHarness(fixture.Reflector);
        using var gauges = new UpstreamGauges(harness.MeterFactory);
        var user = NewUser("locked");
        await harness.AttachAsync(user);
        await harness.WaitForStateAsync(user, UpstreamState.Connected);
        await gauges.AssertAsync(new Expected(Connections: 1, Users: 1, OpenSockets: 1, Connected: 1));

        // The users' set's lock, the one every attach and detach takes, held by a thread of the test's own.
        var connectLock = ConnectLockOf(harness.Manager);
        var held = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        using var release = new ManualResetEventSlim();
        var holder = new Thread(() =>
        {
            using (connectLock.EnterScope())
            {
                held.SetResult();
                release.Wait();
            }
        });
        holder.Start();
        try
        {
            await held.Task.DefaultTimeout();

            // On another thread, with the lock held until the scrape is done: a gauge that took the lock would wait
            // for it here until the test gave up, as every gauge did when it walked the users under it.
            var read = await Task.Run(gauges.Snapshot).DefaultTimeout();

            Assert.Equal(new Expected(Connections: 1, Users: 1, OpenSockets: 1, Connected: 1), read);
        }
        finally
        {
            release.Set();
            holder.Join();
        }
    }

    /// <summary>The lock of the users' <see cref="UpstreamStreamSet{TMessage}"/>, found by type: the set has one.</summary>
    private static Lock ConnectLockOf(UpstreamConnectionManager manager)
    {
        const System.Reflection.BindingFlags Private = System.Reflection.BindingFlags.Instance | System.Reflection.BindingFlags.NonPublic;
        var set = typeof(UpstreamConnectionManager).GetFields(Private)
            .Single(field => field.FieldType == typeof(UpstreamStreamSet<InvalidateMessage>))
            .GetValue(manager)!;
        return (Lock)set.GetType().GetFields(Private).Single(field => field.FieldType == typeof(Lock)).GetValue(set)!;
    }

    private sealed record Expected(
        int Connections = 0,
        int Users = 0,
        int OpenSockets = 0,
        int Connecting = 0,
        int Connected = 0,
        int Reconnecting = 0,
        int Unauthorized = 0,
        int TranscriptStreams = 0);

    /// <summary>The relay's upstream gauges as a scrape reads them, from the harness's own meters only.</summary>
    private sealed class UpstreamGauges : IDisposable
    {
        private static readonly string[] Names =
        [
            "reflector_relay.connections",
            "reflector_relay.users",
            "reflector_relay.upstream.open_sockets",
            "reflector_relay.upstreams",
            "reflector_relay.transcript_streams",
        ];

        private readonly Dictionary<string, MetricCollector<int>> _collectors;

        public UpstreamGauges(IMeterFactory meterFactory) =>
            _collectors = Names.ToDictionary(name => name, name => new MetricCollector<int>(meterFactory, RelayMetrics.MeterName, name));

        public int Read(string name)
        {
            var collector = _collectors[name];
            collector.RecordObservableInstruments();
            return collector.LastMeasurement!.Value;
        }

        public Dictionary<UpstreamState, int> States()
        {
            var collector = _collectors["reflector_relay.upstreams"];
            collector.GetMeasurementSnapshot(clear: true);
            collector.RecordObservableInstruments();
            return collector.GetMeasurementSnapshot()
                .ToDictionary(measurement => Enum.Parse<UpstreamState>((string)measurement.Tags["state"]!, ignoreCase: true), measurement => measurement.Value);
        }

        public Expected Snapshot()
        {
            var states = States();
            return new Expected(
                Read("reflector_relay.connections"),
                Read("reflector_relay.users"),
                Read("reflector_relay.upstream.open_sockets"),
                states[UpstreamState.Connecting],
                states[UpstreamState.Connected],
                states[UpstreamState.Reconnecting],
                states[UpstreamState.Unauthorized],
                Read("reflector_relay.transcript_streams"));
        }

        /// <summary>
        /// Waits until the gauges read <paramref name="expected"/>: a socket is counted open as its handshake returns,
        /// a moment after the simulator saw it. A gauge that drifted never gets there, and the failure shows it.
        /// </summary>
        public async Task AssertAsync(Expected expected)
        {
            var actual = Snapshot();
            var deadline = DateTime.UtcNow + TestTimeouts.Default;
            while (actual != expected && DateTime.UtcNow < deadline)
            {
                await Task.Delay(10);
                actual = Snapshot();
            }

            Assert.Equal(expected, actual);
        }

        public void Dispose()
        {
            foreach (var collector in _collectors.Values)
            {
                collector.Dispose();
            }
        }
    }
}
