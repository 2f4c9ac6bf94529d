using System.Net;
using System.Net.Sockets;
using System.Net.WebSockets;
using System.Text;
using Microsoft.Extensions.DependencyInjection;
using Polly;
using Polly.Simmy;
using Polly.Simmy.Fault;
using Reflector.Relay.Events;
using Reflector.Relay.Tests.Infrastructure;
using Reflector.Relay.Streams;

namespace Reflector.Relay.Tests.Streams;

/// <summary>Upstream faults beyond plain drops: hangs, stampedes, fragmentation, injected chaos.</summary>
public sealed class UpstreamFaultTests(ReflectorFixture fixture) : IClassFixture<ReflectorFixture>
{
    private static string NewUser() => "fault-" + Guid.NewGuid().ToString("N");

    [Fact]
    public async Task An_upstream_that_accepts_tcp_but_never_answers_the_handshake_times_out_and_is_retried()
    {
        using var silent = new TcpListener(IPAddress.Loopback, 0);
        silent.Start();
        var accepted = new List<TcpClient>();
        await using var harness = new UpstreamHarness(fixture.Reflector, options =>
        {
            options.EventsUrl = $"ws://127.0.0.1:{((IPEndPoint)silent.LocalEndpoint).Port}/v1/events";
            options.ConnectTimeout = TimeSpan.FromSeconds(5);
        });
        var userId = NewUser();
        await harness.AttachAsync(userId);

        for (var attempt = 1; attempt <= 3; attempt++)
        {
            // The handshake is stuck until the connect timeout passes on the relay's clock.
            accepted.Add(await silent.AcceptTcpClientAsync().DefaultTimeout());
            await harness.Time.AdvancePastTimerAsync(TimeSpan.FromSeconds(5));
            await harness.AdvancePastNextRetryAsync(userId);
        }

        Assert.Equal(3, accepted.Count);
        accepted.ForEach(client => client.Dispose());
    }

    [Fact]
    public async Task After_an_upstream_restart_reconnects_never_exceed_the_handshake_bound()
    {
        await using var relay = new RelayFactory(fixture.Reflector, new Dictionary<string, string?>
        {
            ["Upstream:MaxConcurrentHandshakes"] = "4",
        });
        var users = Enumerable.Range(0, 60).Select(_ => NewUser()).ToArray();
        fixture.Reflector.HandshakeDelay = TimeSpan.FromMilliseconds(20);
        try
        {
            fixture.Reflector.ResetPeakConcurrentHandshakes();
            await Task.WhenAll(users.Select((user, i) =>
                relay.Upstreams.AttachAsync(user, "c" + i, new UpstreamToken(relay.TokenFor(user), null), CancellationToken.None)));
            await Task.WhenAll(users.Select(user => fixture.Reflector.WaitForOpenSocketsAsync(user, 1, TestTimeouts.Default)));

            // The whole upstream restarts with every user connected: they all come back, a few at a time.
            fixture.Reflector.BeginOutage();
            await TestTimeouts.Eventually(() => fixture.Reflector.TotalOpenSockets == 0, "every socket dropped");
            fixture.Reflector.EndOutage();
            await Task.WhenAll(users.Select(user => fixture.Reflector.WaitForOpenSocketsAsync(user, 1, TestTimeouts.Default)));
        }
        finally
        {
            fixture.Reflector.HandshakeDelay = TimeSpan.Zero;
        }

        Assert.InRange(fixture.Reflector.PeakConcurrentHandshakes, 1, 4);
        Assert.All(users, user => Assert.Equal(2, fixture.Reflector.Handshakes(user)));
    }

    [Fact]
    public async Task Fragmented_frames_are_reassembled_and_fragmented_oversized_ones_dropped_unbuffered()
    {
        await using var relay = new RelayFactory(fixture.Reflector, new Dictionary<string, string?> { ["Upstream:MaxMessageBytes"] = "1024" });
        var userId = NewUser();
        await using var tab = await relay.ConnectAsync(userId);
        await tab.WaitForStateAsync(UpstreamState.Connected);
        await fixture.Reflector.WaitForOpenSocketsAsync(userId, 1, TestTimeouts.Default);

        var oversized = Encoding.UTF8.GetBytes($"{{\"event\":\"TRANSCRIPT_FINAL_TITLE\",\"data\":{{\"id\":\"big\",\"title\":\"{new string('x', 5000)}\"}}}}");
        var fitting = Encoding.UTF8.GetBytes("{\"event\":\"TRANSCRIPT_STATUS\",\"data\":{\"id\":\"t-7\",\"value\":\"recording\"}}");
        await fixture.Reflector.SendFragmentedAsync(userId, oversized, fragmentSize: 100);
        await fixture.Reflector.SendFragmentedAsync(userId, fitting, fragmentSize: 7);
        await fixture.Reflector.SendRawAsync(userId, Array.Empty<byte>(), WebSocketMessageType.Binary);

        Assert.Equal(new InvalidateMessage.TranscriptStatusChanged("t-7", TranscriptStatus.Recording), await tab.NextMessageAsync());
        Assert.Equal(1, fixture.Reflector.Handshakes(userId));
    }

    [Fact]
    public async Task Injected_handshake_faults_and_latency_still_leave_every_user_with_one_working_socket()
    {
        // Polly's chaos strategies inside the relay's own connect path: half the handshakes fail before reaching
        // the upstream, half are delayed.
        var injectedFaults = 0;
        var chaos = new ResiliencePipelineBuilder()
            .AddChaosFault(new ChaosFaultStrategyOptions
            {
                InjectionRate = 0.5,
                FaultGenerator = static _ => ValueTask.FromResult<Exception?>(new WebSocketException("injected handshake failure")),
                OnFaultInjected = _ =>
                {
                    Interlocked.Increment(ref injectedFaults);
                    return ValueTask.CompletedTask;
                },
            })
            .AddChaosLatency(0.5, TimeSpan.FromMilliseconds(100))
            .Build();
        await using var relay = new RelayFactory(
            fixture.Reflector,
            configureServices: services => services.AddSingleton(new UpstreamHandshakeChaos(chaos)));
        var users = Enumerable.Range(0, 8).Select(_ => NewUser()).ToArray();
        var tabs = await Task.WhenAll(users.Select(user => relay.ConnectAsync(user)));
        try
        {
            await Task.WhenAll(tabs.Select(tab => tab.WaitForStateAsync(UpstreamState.Connected)));
            for (var round = 0; round < 3; round++)
            {
                // A tab hears `connected` as the handshake returns, a moment before the simulator registers the
                // socket; a drop before that would miss it, and that tab would wait for `reconnecting` forever.
                await Task.WhenAll(users.Select(user => fixture.Reflector.WaitForOpenSocketsAsync(user, 1, TestTimeouts.Default)));
                await fixture.Reflector.DropAllAsync();
                await Task.WhenAll(tabs.Select(async tab =>
                {
                    await tab.WaitForStateAsync(UpstreamState.Reconnecting);
                    await tab.WaitForStateAsync(UpstreamState.Connected);
                    Assert.Equal(new InvalidateMessage.Resync(ResyncReason.UpstreamReconnected), await tab.NextMessageAsync());
                }));
            }

            await Task.WhenAll(users.Select(user => fixture.Reflector.WaitForOpenSocketsAsync(user, 1, TestTimeouts.Default)));
            // The faults were really injected (at least 32 attempts at one half: never none), the relay retried past
            // them, and no failed attempt reached Reflector: one handshake per socket, the first and one per round.
            Assert.True(Volatile.Read(ref injectedFaults) > 0, "no handshake fault was injected");
            foreach (var user in users)
            {
                await fixture.Reflector.AssertHandshakesAsync(user, 4);
            }

            await Task.WhenAll(users.Select(user => fixture.Reflector.EmitAsync(user, "TRANSCRIPT_CREATED", new { id = "after-chaos-" + user })));
            for (var i = 0; i < users.Length; i++)
            {
                Assert.Equal(new InvalidateMessage.TranscriptCreated("after-chaos-" + users[i]), await tabs[i].NextMessageAsync());
            }
        }
        finally
        {
            await Task.WhenAll(tabs.Select(tab => tab.DisposeAsync().AsTask()));
        }
    }
}
