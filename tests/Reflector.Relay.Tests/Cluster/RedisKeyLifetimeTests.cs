using Microsoft.AspNetCore.SignalR;
using Reflector.Relay.Cluster;
using Reflector.Relay.Events;
using Reflector.Relay.Tests.Cluster.Infrastructure;
using Reflector.Relay.Tests.Infrastructure;
using Reflector.Relay.Tests.Transcripts;
using Reflector.Simulator;
using Xunit.Abstractions;

namespace Reflector.Relay.Tests.Cluster;

/// <summary>
/// The Redis a cluster uses may be shared (the compose file shares Reflector's): whatever the relays write there
/// expires or is deleted, and what ended streams leave goes within a bounded time. Every key is listed with SCAN,
/// as an operator would, and judged by its time to live, never by waiting for it to run out.
/// </summary>
[Collection(ClusterTests.Name)]
public sealed class RedisKeyLifetimeTests(ClusterFixture fixture, ITestOutputHelper output) : IClassFixture<ClusterFixture>
{
    private const string Prefix = "reflector-relay";

    private static readonly long EndedStreamLifetimeMs = (long)ClusterKeys.EndedStreamLifetime.TotalMilliseconds;

    private static readonly long KeyLifetimeMs = (long)new ClusterOptions().KeyLifetime.TotalMilliseconds;

    [Fact]
    public async Task Refused_transcript_subscriptions_leave_no_key_in_Redis_without_an_expiry_and_nothing_past_a_minute()
    {
        await using var cluster = fixture.NewCluster(output);
        var nodes = await cluster.StartNodesAsync(2);
        var userId = ClusterFixture.NewUser("refused");
        var tabs = new List<TranscriptTab>();
        try
        {
            foreach (var node in nodes)
            {
                tabs.Add(await TranscriptTab.OpenAsync(node.CreateClient(fixture.TokenFor(userId))));
            }

            // Made-up ids (404) and another user's private transcripts (403), from the tabs on both relays in turn.
            var madeUp = Enumerable.Range(0, 12).Select(_ => Guid.NewGuid().ToString()).ToList();
            var private_ = Enumerable.Range(0, 6)
                .Select(_ => fixture.Reflector.CreateTranscript(ClusterFixture.NewUser("owner"), TranscriptShareMode.Private)).ToList();
            var refused = madeUp.Concat(private_).ToList();
            for (var i = 0; i < refused.Count; i++)
            {
                var failure = await Assert.ThrowsAsync<HubException>(() => tabs[i % tabs.Count].SubscribeAsync(refused[i]));
                Assert.Contains("was not found or is not allowed", failure.Message, StringComparison.Ordinal);
            }

            Assert.All(refused, id => Assert.Equal(1, fixture.Reflector.TranscriptRefusedHandshakes(id)));
            // The refused streams have ended once nobody holds or follows them: no holder, no interested relay.
            await TestTimeouts.EventuallyAsync(
                async () => !(await StreamKeysAsync()).Keys.Any(key => refused.Any(key.Contains) && !key.EndsWith(":epoch", StringComparison.Ordinal)),
                "every refused stream is released and left");

            var keys = await fixture.Redis.KeyLifetimesAsync();
            Report($"after {refused.Count} refused subscriptions on 2 relays", keys);
            AssertNoKeyLivesForever(keys);
            var leftByRefusals = keys.Where(key => refused.Any(key.Key.Contains)).ToList();
            Assert.All(leftByRefusals, key => Assert.InRange(key.Value, 1, EndedStreamLifetimeMs));
        }
        finally
        {
            foreach (var tab in tabs)
            {
                await tab.DisposeAsync();
            }
        }
    }

    [Fact]
    public async Task After_a_churn_of_user_and_transcript_streams_that_all_end_every_key_expires_and_the_streams_keys_within_a_minute()
    {
        await using var cluster = fixture.NewCluster(output);
        var nodes = await cluster.StartNodesAsync(2);
        var users = Enumerable.Range(0, 4).Select(i => ClusterFixture.NewUser("churn" + i)).ToList();
        var transcripts = users.ToDictionary(user => user, user => fixture.Reflector.CreateTranscript(user, TranscriptShareMode.Private));
        var tabs = new List<TranscriptTab>();
        try
        {
            foreach (var user in users)
            {
                // One relay holds each user's sockets, the other follows them.
                foreach (var node in nodes)
                {
                    var tab = await TranscriptTab.OpenAsync(node.CreateClient(fixture.TokenFor(user)));
                    tabs.Add(tab);
                    await tab.SubscribeAsync(transcripts[user]);
                }
            }

            foreach (var user in users)
            {
                await fixture.Reflector.WaitForOpenSocketsAsync(user, 1, TestTimeouts.Default);
                await fixture.Reflector.WaitForTranscriptOpenSocketsAsync(transcripts[user], user, 1, TestTimeouts.Default);
            }

            var during = await fixture.Redis.KeyLifetimesAsync();
            Report("while 4 users follow their transcripts on 2 relays", during);
            AssertNoKeyLivesForever(during);

            // Churn: the holders' tabs leave (the followers' relay takes the sockets over), tabs come back on the
            // first relay, then every tab leaves and every linger passes.
            for (var i = 0; i < tabs.Count; i += 2)
            {
                await tabs[i].DisposeAsync();
            }

            foreach (var user in users)
            {
                var back = await TranscriptTab.OpenAsync(nodes[0].CreateClient(fixture.TokenFor(user)));
                tabs.Add(back);
                await back.SubscribeAsync(transcripts[user]);
            }

            foreach (var tab in tabs)
            {
                await tab.DisposeAsync();
            }

            foreach (var user in users)
            {
                await TestTimeouts.Eventually(
                    () => fixture.Reflector.OpenSockets(user) == 0 && fixture.Reflector.TranscriptOpenSockets(transcripts[user], user) == 0,
                    $"{user}'s sockets are closed");
            }

            await TestTimeouts.EventuallyAsync(
                async () => (await StreamKeysAsync()).Keys.All(key => key.EndsWith(":epoch", StringComparison.Ordinal)),
                "every stream is released and left");

            var after = await fixture.Redis.KeyLifetimesAsync();
            Report("after every stream ended", after);
            AssertNoKeyLivesForever(after);
            Assert.All(await StreamKeysAsync(), key => Assert.InRange(key.Value, 1, EndedStreamLifetimeMs));
            // What remains is the relays' own presence, which lives while they do.
            Assert.All(
                after.Where(key => !IsStreamKey(key.Key)),
                key => Assert.True(key.Key.StartsWith($"{Prefix}:node", StringComparison.Ordinal), $"unexpected key {key.Key}"));
        }
        finally
        {
            foreach (var tab in tabs)
            {
                await tab.DisposeAsync();
            }
        }
    }

    [Fact]
    public async Task The_keys_of_a_stream_whose_holder_died_with_nobody_to_take_over_expire_within_the_key_lifetime()
    {
        await using var cluster = fixture.NewCluster(output);
        var nodes = await cluster.StartNodesAsync(2);
        var userId = ClusterFixture.NewUser("orphan");
        var transcriptId = fixture.Reflector.CreateTranscript(userId, TranscriptShareMode.Private);
        var tab = await TranscriptTab.OpenAsync(nodes[0].CreateClient(fixture.TokenFor(userId)));
        await tab.SubscribeAsync(transcriptId);
        await fixture.Reflector.WaitForTranscriptOpenSocketsAsync(transcriptId, userId, 1, TestTimeouts.Default);
        await tab.Client.WaitForStateAsync(UpstreamState.Connected);

        // SIGKILL: no release, no goodbye; the other relay has no tab of the user, so nobody takes the sockets over.
        await nodes[0].KillAsync();
        await tab.DisposeAsync();

        var keys = await fixture.Redis.KeyLifetimesAsync();
        Report("after the holder of a user's streams was killed", keys);
        AssertNoKeyLivesForever(keys);
        var orphaned = (await StreamKeysAsync()).Keys.ToList();
        Assert.Contains(orphaned, key => key.EndsWith(":owner", StringComparison.Ordinal) && key.Contains(userId, StringComparison.Ordinal));
        Assert.All(keys.Where(key => IsStreamKey(key.Key)), key => Assert.InRange(key.Value, 1, KeyLifetimeMs));
    }

    [Fact]
    public async Task A_stream_held_longer_than_the_key_lifetime_keeps_its_claim_because_its_relay_renews_the_keys()
    {
        await using var cluster = fixture.NewCluster(output);
        // Short enough to see renewals within a test: a renewal is due every third of it.
        var lifetime = TimeSpan.FromSeconds(6);
        var nodes = await cluster.StartNodesAsync(2, new Dictionary<string, string?>
        {
            ["Cluster__HeartbeatInterval"] = "00:00:00.150",
            ["Cluster__NodeTimeout"] = "00:00:00.600",
            ["Cluster__KeyLifetime"] = "00:00:06",
        });
        var userId = ClusterFixture.NewUser("long-held");
        var tabs = await ClusterTabs.OneOnEachInTurnAsync(nodes, fixture, userId);
        try
        {
            var owner = $"{Prefix}:user:{userId}:owner";
            var holder = await fixture.Redis.CommandAsync("GET", owner);
            Assert.NotNull(holder);

            // Seen at its renewals: its time to live goes up again, three times, so more than a whole lifetime
            // passes with the same claim.
            var renewals = 0;
            var last = (long)(await fixture.Redis.CommandAsync("PTTL", owner))!;
            Assert.InRange(last, 1, (long)lifetime.TotalMilliseconds);
            await TestTimeouts.EventuallyAsync(
                async () =>
                {
                    var now = (long)(await fixture.Redis.CommandAsync("PTTL", owner))!;
                    Assert.InRange(now, 1, (long)lifetime.TotalMilliseconds);
                    if (now > last)
                    {
                        renewals++;
                    }

                    last = now;
                    return renewals >= 3;
                },
                "the owner key was renewed three times");

            Assert.Equal(holder, await fixture.Redis.CommandAsync("GET", owner));
            Assert.Equal(1, fixture.Reflector.Handshakes(userId));
            Assert.Equal(1, fixture.Reflector.OpenSockets(userId));
            AssertNoKeyLivesForever(await fixture.Redis.KeyLifetimesAsync());
        }
        finally
        {
            await ClusterTabs.DisposeAllAsync(tabs);
        }
    }

    private static bool IsStreamKey(string key) =>
        key.StartsWith($"{Prefix}:user:", StringComparison.Ordinal) || key.StartsWith($"{Prefix}:transcript:", StringComparison.Ordinal);

    private async Task<Dictionary<string, long>> StreamKeysAsync() =>
        (await fixture.Redis.KeyLifetimesAsync()).Where(key => IsStreamKey(key.Key)).ToDictionary();

    private static void AssertNoKeyLivesForever(IReadOnlyDictionary<string, long> keys)
    {
        var forever = keys.Where(key => key.Value == -1).Select(key => key.Key).Order(StringComparer.Ordinal).ToList();
        Assert.True(forever.Count == 0, $"{forever.Count} keys without an expiry: {string.Join(", ", forever.Select(Printable))}");
    }

    private void Report(string when, IReadOnlyDictionary<string, long> keys)
    {
        output.WriteLine($"{when}: {keys.Count} keys, {keys.Count(key => key.Value == -1)} without an expiry");
        foreach (var (key, lifetime) in keys.OrderBy(key => key.Key, StringComparer.Ordinal))
        {
            output.WriteLine($"  {Printable(key)}  pttl {lifetime}");
        }
    }

    // Transcript streams' keys hold a unit separator between the user and the transcript.
    private static string Printable(string key) => key.Replace('\u001f', '|');
}
