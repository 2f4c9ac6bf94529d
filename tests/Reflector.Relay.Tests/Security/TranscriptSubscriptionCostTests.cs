using System.Net;
using System.Net.Sockets;
using Microsoft.AspNetCore.SignalR;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;
using Reflector.Relay.Events;
using Reflector.Relay.Tests.Infrastructure;
using Reflector.Relay.Tests.Transcripts;
using Reflector.Simulator;
using Xunit.Abstractions;

namespace Reflector.Relay.Tests.Security;

/// <summary>
/// A client calling <c>SubscribeTranscript</c> in a loop, from many tabs, costs Reflector little: a refusal is remembered,
/// new streams per user are limited, and transcript handshakes never take the slots users' own streams need. Handshakes
/// are counted where they land, at the simulated Reflector. The relay's clock is fake, so no window passes unless the
/// test moves it.
/// </summary>
public sealed class TranscriptSubscriptionCostTests(ReflectorFixture fixture, ITestOutputHelper output) : IClassFixture<ReflectorFixture>
{
    private const int Tabs = 8;
    private const int CallsPerTab = 25;
    private const string StreamLimitKey = "Limits:TranscriptStreamsPerUserPerMinute";

    private readonly FakeTimeProvider _time = new(DateTimeOffset.UtcNow);

    [Fact]
    public async Task A_refused_transcript_subscribed_in_a_loop_by_several_tabs_costs_reflector_one_handshake_until_the_refusal_memory_passes()
    {
        await using var relay = RelayOnFakeTime();
        var user = NewUser();
        var secret = fixture.Reflector.CreateTranscript(NewUser(), TranscriptShareMode.Private);
        var tabs = await OpenTabsAsync(relay, user);

        var messages = await Task.WhenAll(tabs.Select(tab => FailuresAsync(tab, Enumerable.Repeat(secret, CallsPerTab))));

        output.WriteLine($"{Tabs * CallsPerTab} subscriptions to one refused id: {fixture.Reflector.TranscriptRefusedHandshakes(secret)} handshakes at Reflector");
        Assert.All(messages.SelectMany(failures => failures), message =>
            Assert.Contains($"Transcript '{secret}' was not found or is not allowed.", message, StringComparison.Ordinal));
        Assert.Equal(1, fixture.Reflector.TranscriptRefusedHandshakes(secret));
        Assert.Equal(0, fixture.Reflector.TranscriptHandshakes(secret));

        // Not yet: a moment before the memory passes, still nothing reaches Reflector.
        _time.Advance(TimeSpan.FromSeconds(30) - TimeSpan.FromMilliseconds(1));
        await Assert.ThrowsAsync<HubException>(() => tabs[0].SubscribeAsync(secret));
        Assert.Equal(1, fixture.Reflector.TranscriptRefusedHandshakes(secret));

        // Once it has passed, Reflector is asked again (once), and its answer is remembered again.
        _time.Advance(TimeSpan.FromMilliseconds(1));
        var failures = await Task.WhenAll(tabs.Select(tab => FailuresAsync(tab, Enumerable.Repeat(secret, 3))));
        Assert.All(failures.SelectMany(failure => failure), message =>
            Assert.Contains($"Transcript '{secret}' was not found or is not allowed.", message, StringComparison.Ordinal));
        Assert.Equal(2, fixture.Reflector.TranscriptRefusedHandshakes(secret));
        Assert.All(tabs, tab => Assert.Equal(Microsoft.AspNetCore.SignalR.Client.HubConnectionState.Connected, tab.Client.Connection.State));
    }

    [Fact]
    public async Task The_refusal_is_remembered_for_its_user_only_and_does_not_stop_a_transcript_being_shared_later()
    {
        await using var relay = RelayOnFakeTime();
        var owner = NewUser();
        var viewer = NewUser();
        var transcriptId = fixture.Reflector.CreateTranscript(owner, TranscriptShareMode.Private);
        await using var viewerTab = await TranscriptTab.OpenAsync(relay, viewer);
        await using var ownerTab = await TranscriptTab.OpenAsync(relay, owner);

        await Assert.ThrowsAsync<HubException>(() => viewerTab.SubscribeAsync(transcriptId));

        // The owner is a different user: Reflector's answer to the viewer says nothing about them.
        await ownerTab.SubscribeAsync(transcriptId);
        await fixture.Reflector.WaitForTranscriptHandshakesAsync(transcriptId, 1, TestTimeouts.Default);
        Assert.Equal(1, fixture.Reflector.TranscriptRefusedHandshakes(transcriptId));
    }

    [Fact]
    public async Task Distinct_made_up_ids_in_a_loop_cost_reflector_at_most_the_per_minute_limit_then_fail_naming_the_key()
    {
        await using var relay = RelayOnFakeTime();
        var user = NewUser();
        var held = fixture.Reflector.CreateTranscript(user, TranscriptShareMode.Private);
        var tabs = await OpenTabsAsync(relay, user);
        // One stream the user follows already, opened before the loop: one of the 60.
        await tabs[0].SubscribeAsync(held);
        var ids = Enumerable.Range(0, Tabs)
            .Select(tab => Enumerable.Range(0, CallsPerTab).Select(call => $"made-up-{tab}-{call}-{Guid.NewGuid():N}").ToArray())
            .ToArray();

        var messages = (await Task.WhenAll(tabs.Select((tab, index) => FailuresAsync(tab, ids[index])))).SelectMany(failures => failures).ToList();

        var handshakes = ids.SelectMany(tabIds => tabIds).Sum(fixture.Reflector.TranscriptRefusedHandshakes);
        output.WriteLine($"{Tabs * CallsPerTab} subscriptions to distinct made-up ids: {handshakes} handshakes at Reflector");
        Assert.Equal(59, handshakes);
        Assert.Equal(59, messages.Count(message => message.Contains("was not found or is not allowed", StringComparison.Ordinal)));
        var limited = messages.Where(message => message.Contains(StreamLimitKey, StringComparison.Ordinal)).ToList();
        Assert.Equal(Tabs * CallsPerTab - 59, limited.Count);
        Assert.All(limited, message => Assert.Contains("at most 60 a minute per user", message, StringComparison.Ordinal));

        // Past the limit, another tab joining the stream the relay holds for the user is no new stream.
        await tabs[1].SubscribeAsync(held);
        Assert.Equal(1, fixture.Reflector.TranscriptHandshakes(held));

        // Another user is not limited by this one.
        await using var other = await TranscriptTab.OpenAsync(relay, NewUser());
        var otherId = "made-up-other-" + Guid.NewGuid().ToString("N");
        var refused = await Assert.ThrowsAsync<HubException>(() => other.SubscribeAsync(otherId));
        Assert.Contains("was not found or is not allowed", refused.Message, StringComparison.Ordinal);
        Assert.Equal(1, fixture.Reflector.TranscriptRefusedHandshakes(otherId));

        // A minute after the first of them, the user may open new streams again.
        _time.Advance(TimeSpan.FromMinutes(1));
        var later = "made-up-later-" + Guid.NewGuid().ToString("N");
        refused = await Assert.ThrowsAsync<HubException>(() => tabs[2].SubscribeAsync(later));
        Assert.Contains("was not found or is not allowed", refused.Message, StringComparison.Ordinal);
        Assert.Equal(1, fixture.Reflector.TranscriptRefusedHandshakes(later));
    }

    [Fact]
    public async Task Transcript_handshakes_hanging_at_reflector_never_take_the_slots_users_own_streams_need()
    {
        // A Reflector whose transcript endpoint accepts connections and never answers: every transcript handshake hangs.
        using var silent = new SilentListener();
        await using var relay = new RelayFactory(fixture.Reflector, new Dictionary<string, string?>
        {
            ["Upstream:TranscriptEventsUrl"] = $"ws://127.0.0.1:{silent.Port}/v1/transcripts/{{transcriptId}}/events",
            ["Upstream:MaxConcurrentHandshakes"] = "2",
            ["Upstream:MaxConcurrentTranscriptHandshakes"] = "2",
            ["Upstream:ConnectTimeout"] = "00:05:00",
        });
        var subscriber = NewUser();
        var hanging = new List<TranscriptTab>();
        var subscriptions = new List<Task>();
        for (var i = 0; i < 4; i++)
        {
            var tab = await TranscriptTab.OpenAsync(relay, subscriber);
            hanging.Add(tab);
            // A connection's hub calls run one at a time: one subscription per tab, so all four wait at once.
            subscriptions.Add(Microsoft.AspNetCore.SignalR.Client.HubConnectionExtensions.InvokeAsync(tab.Client.Connection, "SubscribeTranscript", $"hangs-{i}"));
        }

        await TestTimeouts.Eventually(() => silent.Accepted == 2, "both transcript slots hang at Reflector");

        // Users arriving now still get their own streams: the transcript handshakes hold none of their slots.
        var arrivals = await Task.WhenAll(Enumerable.Range(0, 3).Select(_ => relay.ConnectAsync(NewUser())));
        foreach (var arrival in arrivals)
        {
            await arrival.WaitForStateAsync(UpstreamState.Connected);
            await arrival.DisposeAsync();
        }

        Assert.Equal(2, silent.Accepted);
        Assert.All(subscriptions, subscription => Assert.False(subscription.IsCompleted));
        foreach (var tab in hanging)
        {
            await tab.DisposeAsync();
        }
    }

    private RelayFactory RelayOnFakeTime() => new(
        fixture.Reflector,
        new Dictionary<string, string?>
        {
            // Writes to the tabs are never stalled; moving the fake clock must not make them look so.
            ["Limits:StalledConnectionTimeout"] = "01:00:00",
        },
        services => services.AddSingleton<TimeProvider>(_time));

    private static async Task<TranscriptTab[]> OpenTabsAsync(RelayFactory relay, string user)
    {
        var tabs = new TranscriptTab[Tabs];
        for (var i = 0; i < Tabs; i++)
        {
            tabs[i] = await TranscriptTab.OpenAsync(relay, user);
        }

        return tabs;
    }

    /// <summary>Subscribes to each id in turn, as fast as the relay answers; every one must fail. Returns the messages.</summary>
    private static async Task<List<string>> FailuresAsync(TranscriptTab tab, IEnumerable<string> transcriptIds)
    {
        var messages = new List<string>();
        foreach (var transcriptId in transcriptIds)
        {
            messages.Add((await Assert.ThrowsAsync<HubException>(() => tab.SubscribeAsync(transcriptId))).Message);
        }

        return messages;
    }

    private static string NewUser() => "cost-" + Guid.NewGuid().ToString("N");

    /// <summary>Accepts TCP connections and never says a word: a handshake to it waits until it is given up.</summary>
    private sealed class SilentListener : IDisposable
    {
        private readonly TcpListener _listener = new(IPAddress.Loopback, 0);
        private readonly List<TcpClient> _clients = [];
        private readonly CancellationTokenSource _stop = new();
        private int _accepted;

        public SilentListener()
        {
            _listener.Start();
            _ = AcceptAsync();
        }

        public int Port => ((IPEndPoint)_listener.LocalEndpoint).Port;

        public int Accepted => Volatile.Read(ref _accepted);

        private async Task AcceptAsync()
        {
            try
            {
                while (true)
                {
                    var client = await _listener.AcceptTcpClientAsync(_stop.Token);
                    lock (_clients)
                    {
                        _clients.Add(client);
                    }

                    Interlocked.Increment(ref _accepted);
                }
            }
            catch (Exception exception) when (exception is OperationCanceledException or SocketException or ObjectDisposedException)
            {
                // Stopped.
            }
        }

        public void Dispose()
        {
            _stop.Cancel();
            _listener.Stop();
            lock (_clients)
            {
                foreach (var client in _clients)
                {
                    client.Dispose();
                }
            }

            _stop.Dispose();
        }
    }
}
