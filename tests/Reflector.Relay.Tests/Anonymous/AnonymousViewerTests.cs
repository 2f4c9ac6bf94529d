using System.Net;
using Microsoft.AspNetCore.SignalR;
using Microsoft.AspNetCore.SignalR.Client;
using Microsoft.Extensions.DependencyInjection;
using Reflector.Relay.Events;
using Reflector.Relay.Hubs;
using Reflector.Relay.Tests.Auth;
using Reflector.Relay.Tests.Infrastructure;
using Reflector.Relay.Tests.Transcripts;
using Reflector.Simulator;

namespace Reflector.Relay.Tests.Anonymous;

/// <summary>
/// People without an account following a public transcript (Reflector's share links) through the relay: no token,
/// transcripts only, one upstream socket per transcript for all of them, refused where Reflector refuses them.
/// </summary>
public sealed class AnonymousViewerTests(ReflectorFixture fixture) : IClassFixture<ReflectorFixture>
{
    private static readonly Dictionary<string, string?> Enabled = new() { ["Anonymous:Enabled"] = "true" };

    [Fact]
    public async Task Without_the_setting_a_connection_without_a_token_is_refused_at_negotiate()
    {
        await using var relay = new RelayFactory(fixture.Reflector);

        Assert.Equal(HttpStatusCode.Unauthorized, (await relay.NegotiateAsync(token: null)).Status);
    }

    [Fact]
    public async Task An_anonymous_viewer_follows_a_public_transcript_through_a_socket_that_offers_no_token()
    {
        await using var relay = new RelayFactory(fixture.Reflector, Enabled);
        var transcriptId = fixture.Reflector.CreateTranscript(NewUser(), TranscriptShareMode.Public);
        await using var viewer = await TranscriptTab.OpenAsync(relay.CreateClient(token: null));

        await viewer.SubscribeAsync(transcriptId);
        await fixture.Reflector.WaitForTranscriptOpenSocketsAsync(transcriptId, user: null, 1, TestTimeouts.Default);
        await fixture.Reflector.EmitTranscriptEventAsync(transcriptId, "FINAL_TITLE", new { title = "Town hall" });

        Assert.Equal(new TranscriptEventMessage.FinalTitle(transcriptId, "Town hall"), await viewer.NextAsync());
        Assert.Equal(1, fixture.Reflector.TranscriptOpenSockets(transcriptId, user: null));
        // No user stream: an anonymous connection never gets user events.
        Assert.Equal(0, relay.Upstreams.UpstreamCount);
    }

    [Theory]
    [InlineData(TranscriptShareMode.Private)]
    [InlineData(TranscriptShareMode.SemiPrivate)]
    public async Task Reflectors_refusal_of_a_transcript_that_is_not_public_fails_the_subscription(TranscriptShareMode shareMode)
    {
        await using var relay = new RelayFactory(fixture.Reflector, Enabled);
        var transcriptId = fixture.Reflector.CreateTranscript(NewUser(), shareMode);
        await using var viewer = await TranscriptTab.OpenAsync(relay.CreateClient(token: null));

        var refused = await Assert.ThrowsAsync<HubException>(() => viewer.SubscribeAsync(transcriptId));

        Assert.Contains("was not found or is not allowed", refused.Message, StringComparison.Ordinal);
        Assert.Equal(0, fixture.Reflector.TranscriptOpenSockets(transcriptId));
    }

    [Fact]
    public async Task A_token_that_fails_validation_is_refused_not_taken_as_anonymous()
    {
        await using var relay = new RelayFactory(fixture.Reflector, Enabled);
        var expired = fixture.Reflector.IssueToken(NewUser(), TimeSpan.FromMinutes(-5));

        Assert.Equal(HttpStatusCode.Unauthorized, (await relay.NegotiateAsync(expired)).Status);
        Assert.Equal(HttpStatusCode.OK, (await relay.NegotiateAsync(token: null)).Status);
    }

    [Fact]
    public async Task Anonymous_and_signed_in_viewers_of_one_transcript_never_share_a_socket()
    {
        await using var relay = new RelayFactory(fixture.Reflector, Enabled);
        var owner = NewUser();
        var transcriptId = fixture.Reflector.CreateTranscript(owner, TranscriptShareMode.Public);
        await using var viewer = await TranscriptTab.OpenAsync(relay.CreateClient(token: null));
        await using var ownerTab = await TranscriptTab.OpenAsync(relay, owner);

        await viewer.SubscribeAsync(transcriptId);
        await ownerTab.SubscribeAsync(transcriptId);

        await fixture.Reflector.WaitForTranscriptOpenSocketsAsync(transcriptId, user: null, 1, TestTimeouts.Default);
        await fixture.Reflector.WaitForTranscriptOpenSocketsAsync(transcriptId, owner, 1, TestTimeouts.Default);
        Assert.Equal(2, fixture.Reflector.TranscriptOpenSockets(transcriptId));
    }

    [Fact]
    public async Task Anonymous_connections_are_limited_per_client_address()
    {
        await using var relay = new RelayFactory(fixture.Reflector, new Dictionary<string, string?>(Enabled) { ["Anonymous:MaxConnectionsPerAddress"] = "2" });
        await using var first = relay.CreateClient(token: null);
        await using var second = relay.CreateClient(token: null);
        await first.StartAsync();
        await second.StartAsync();

        await using var third = relay.CreateClient(token: null);
        await third.StartAsync();
        var closedWith = await third.Closed.DefaultTimeout();

        Assert.Contains("Anonymous:MaxConnectionsPerAddress", closedWith!.Message, StringComparison.Ordinal);
        Assert.Equal(HubConnectionState.Connected, first.Connection.State);
    }

    [Fact]
    public async Task A_signed_in_user_cannot_use_an_anonymous_viewers_connection_token()
    {
        await using var relay = new RelayFactory(fixture.Reflector, Enabled);
        var bindings = relay.Services.GetRequiredService<ConnectionBindings>();
        await using var viewer = await LongPollingTab.ConnectAnonymousAsync(relay.HubUrl);

        using var poll = await viewer.PollAsAsync(relay.BaseAddress, relay.TokenFor(NewUser()));

        Assert.Equal(HttpStatusCode.Forbidden, poll.StatusCode);
        Assert.Equal(1, bindings.Count);
    }

    [Fact]
    public async Task Five_hundred_anonymous_viewers_of_one_public_transcript_cost_reflector_one_socket_and_each_gets_every_event()
    {
        const int viewers = 500;
        await using var relay = new RelayFactory(fixture.Reflector, new Dictionary<string, string?>(Enabled)
        {
            ["Anonymous:MaxConnectionsPerAddress"] = "1000",
            ["Limits:NegotiationsPerAddressPerMinute"] = "10000",
        });
        var transcriptId = fixture.Reflector.CreateTranscript(NewUser(), TranscriptShareMode.Public);
        var tabs = new List<TranscriptTab>();
        try
        {
            for (var batch = 0; batch < viewers; batch += 50)
            {
                var opened = await Task.WhenAll(Enumerable.Range(0, 50).Select(_ => TranscriptTab.OpenAsync(relay.CreateClient(token: null))));
                tabs.AddRange(opened);
                await Task.WhenAll(opened.Select(tab => tab.SubscribeAsync(transcriptId)));
            }

            await fixture.Reflector.WaitForTranscriptOpenSocketsAsync(transcriptId, user: null, 1, TestTimeouts.Default);
            for (var i = 0; i < 3; i++)
            {
                await fixture.Reflector.EmitTranscriptEventAsync(transcriptId, "DURATION", new { duration = (double)i });
            }

            foreach (var tab in tabs)
            {
                var received = await tab.NextAsync(3);
                Assert.Equal([0.0, 1.0, 2.0], received.Cast<TranscriptEventMessage.DurationChanged>().Select(duration => duration.Duration));
            }

            Assert.Equal(1, fixture.Reflector.TranscriptHandshakes(transcriptId));
            Assert.Equal(1, fixture.Reflector.TranscriptOpenSockets(transcriptId));
        }
        finally
        {
            await Task.WhenAll(tabs.Select(tab => tab.DisposeAsync().AsTask()));
        }
    }

    private static string NewUser() => "anonymous-test-" + Guid.NewGuid().ToString("N");
}
