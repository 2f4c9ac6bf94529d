using Reflector.Relay.Events;
using Reflector.Relay.Tests.Infrastructure;

namespace Reflector.Relay.Tests.Streams;

/// <summary>The reconnect pipeline's timing, driven by fake time against a real simulated Reflector.</summary>
public sealed class ReconnectBackoffTests(ReflectorFixture fixture) : IClassFixture<ReflectorFixture>
{
    private static string NewUser() => "backoff-" + Guid.NewGuid().ToString("N");

    [Fact]
    public async Task Reconnect_delays_grow_exponentially_to_thirty_seconds_and_reset_once_a_connection_holds()
    {
        await using var harness = new UpstreamHarness(fixture.Reflector);
        var userId = NewUser();
        await harness.AttachAsync(userId);
        await harness.WaitForStateAsync(userId, UpstreamState.Connected);

        var turnedAwayBefore = fixture.Reflector.UnavailableHandshakes;
        fixture.Reflector.BeginOutage();
        var delays = new List<int>();
        try
        {
            for (var attempt = 0; attempt < 13; attempt++)
            {
                delays.Add(await harness.AdvancePastNextRetryAsync(userId));
            }

            var last = await harness.Sink.WaitForAsync<UpstreamStatus>(userId, s => s is { State: UpstreamState.Reconnecting, RetryInMs: > 0 });
            delays.Add(last.RetryInMs!.Value);

            // The first retry follows the lost socket; each of the other 13 followed an attempt Reflector turned away.
            // The clock stands still until the next advance, so no further attempt can be under way.
            Assert.Equal(13, fixture.Reflector.UnavailableHandshakes - turnedAwayBefore);
        }
        finally
        {
            fixture.Reflector.EndOutage();
        }

        // Only now does the last wait end, so the attempt it starts meets a healthy upstream.
        await harness.Time.AdvancePastTimerAsync(TimeSpan.FromMilliseconds(delays[^1]));

        Assert.All(delays, delay => Assert.InRange(delay, 1, 30_000));
        Assert.True(delays[0] < 5_000, $"the first delay is about a second, got {delays[0]} ms");
        Assert.Equal(30_000, delays[^1]);
        Assert.True(delays.Take(4).Average() < delays.Skip(8).Average(), $"delays grow: {string.Join(", ", delays)}");

        // The outage is over: the next attempt connects and the group is told to resync.
        var resync = await harness.Sink.WaitForAsync<InvalidateMessage>(userId);
        Assert.Equal(new InvalidateMessage.Resync(ResyncReason.UpstreamReconnected), resync);
        await fixture.Reflector.AssertHandshakesAsync(userId, 2);

        // Held past StableAfter, then lost again: one attempt at once, then the backoff starts over from about a second.
        harness.Time.Advance(harness.Options.StableAfter);
        turnedAwayBefore = fixture.Reflector.UnavailableHandshakes;
        fixture.Reflector.BeginOutage();
        try
        {
            var afterHeld = await harness.Sink.WaitForAsync<UpstreamStatus>(
                userId, s => s is { State: UpstreamState.Reconnecting, RetryInMs: > 0 });
            Assert.True(afterHeld.RetryInMs < 5_000, $"backoff reset after a held connection, got {afterHeld.RetryInMs} ms");
            Assert.Equal(1, fixture.Reflector.UnavailableHandshakes - turnedAwayBefore);
        }
        finally
        {
            fixture.Reflector.EndOutage();
        }
    }

    [Fact]
    public async Task A_connection_that_drops_before_it_held_keeps_backing_off()
    {
        await using var harness = new UpstreamHarness(fixture.Reflector);
        var userId = NewUser();
        await harness.AttachAsync(userId);
        await harness.WaitForStateAsync(userId, UpstreamState.Connected);

        await fixture.Reflector.DropAllAsync();

        Assert.True(await harness.AdvancePastNextRetryAsync(userId) > 0);
        Assert.Equal(1, fixture.Reflector.Handshakes(userId));

        await harness.WaitForStateAsync(userId, UpstreamState.Connected);
        await fixture.Reflector.WaitForHandshakesAsync(userId, 2, TestTimeouts.Default);
    }

    [Fact]
    public async Task A_refused_token_is_not_retried_until_a_different_token_arrives()
    {
        await using var harness = new UpstreamHarness(fixture.Reflector);
        var userId = NewUser();
        var refusedBefore = fixture.Reflector.RefusedHandshakes;
        fixture.Reflector.RefuseAll = true;
        try
        {
            var refusedToken = harness.TokenFor(userId);
            await harness.AttachAsync(userId, refusedToken);
            await harness.WaitForStateAsync(userId, UpstreamState.Unauthorized);

            // More tabs with the same token, and minutes passing, bring no new attempt.
            await harness.AttachAsync(userId, refusedToken);
            await harness.AttachAsync(userId, refusedToken);
            harness.Time.Advance(TimeSpan.FromMinutes(10));

            // A different token is tried once; it is refused too.
            await harness.AttachAsync(userId, harness.TokenFor(userId, TimeSpan.FromHours(2)));
            // Waits for the relay to have handled the refusal, so moving the clock cannot overtake a handshake in flight.
            await TestTimeouts.Eventually(() => harness.Refused.GetMeasurementSnapshot().Count >= 2, "the second token was tried");
            harness.Time.Advance(TimeSpan.FromMinutes(10));
        }
        finally
        {
            fixture.Reflector.RefuseAll = false;
        }

        Assert.Equal(0, fixture.Reflector.Handshakes(userId));

        // A tab with a fresh token brings the user back.
        await harness.AttachAsync(userId, harness.TokenFor(userId, TimeSpan.FromHours(3)));
        await harness.WaitForStateAsync(userId, UpstreamState.Connected);
        Assert.Equal(1, fixture.Reflector.Handshakes(userId));

        // Two distinct refused tokens, two refusals: neither time nor repeated tabs caused a third.
        Assert.Equal(refusedBefore + 2, fixture.Reflector.RefusedHandshakes);
    }

    [Fact]
    public async Task A_refused_token_is_forgotten_once_no_connection_holds_it()
    {
        await using var harness = new UpstreamHarness(fixture.Reflector);
        var userId = NewUser();
        fixture.Reflector.RefuseAll = true;
        try
        {
            var first = harness.TokenFor(userId);
            var holder = await harness.AttachAsync(userId, first);
            await TestTimeouts.Eventually(() => harness.Refused.GetMeasurementSnapshot().Count >= 1, "the first token was refused");
            var sibling = await harness.AttachAsync(userId, first);

            var second = harness.TokenFor(userId, TimeSpan.FromHours(2));
            var secondHolder = await harness.AttachAsync(userId, second);
            await TestTimeouts.Eventually(() => harness.Refused.GetMeasurementSnapshot().Count >= 2, "the second token was refused");
            Assert.Equal(2, harness.Manager.RefusedTokensOf(userId));

            // The first token is still held by a sibling: its refusal still counts.
            harness.Manager.Detach(userId, holder);
            Assert.Equal(2, harness.Manager.RefusedTokensOf(userId));

            harness.Manager.Detach(userId, sibling);
            Assert.Equal(1, harness.Manager.RefusedTokensOf(userId));

            harness.Manager.Detach(userId, secondHolder);
            Assert.Equal(0, harness.Manager.RefusedTokensOf(userId));
        }
        finally
        {
            fixture.Reflector.RefuseAll = false;
        }
    }

    [Fact]
    public async Task Reconnects_use_an_unexpired_token_and_wait_for_one_when_all_have_expired()
    {
        await using var harness = new UpstreamHarness(fixture.Reflector);
        var userId = NewUser();
        await harness.AttachAsync(userId, harness.TokenFor(userId, TimeSpan.FromMinutes(5)));
        await harness.WaitForStateAsync(userId, UpstreamState.Connected);

        // The open socket outlives the token, as Reflector allows; a reconnect after expiry cannot use it.
        harness.Time.Advance(TimeSpan.FromMinutes(6));
        await fixture.Reflector.DropAllAsync();
        await harness.WaitForStateAsync(userId, UpstreamState.Unauthorized);
        var refusedBefore = fixture.Reflector.RefusedHandshakes;

        await harness.AttachAsync(userId, harness.TokenFor(userId, TimeSpan.FromHours(1)));

        await harness.WaitForStateAsync(userId, UpstreamState.Connected);
        await fixture.Reflector.AssertHandshakesAsync(userId, 2);
        Assert.Equal(refusedBefore, fixture.Reflector.RefusedHandshakes);
    }
}
