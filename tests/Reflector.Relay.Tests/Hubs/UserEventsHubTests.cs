using Reflector.Relay.Events;
using Reflector.Relay.Tests.Infrastructure;

namespace Reflector.Relay.Tests.Hubs;

public sealed class UserEventsHubTests(ReflectorFixture fixture) : IClassFixture<ReflectorFixture>
{
    /// <summary>One event of each kind, with ids naming the user, so a leak would show as a foreign id.</summary>
    private static IEnumerable<(string Event, object Data, InvalidateMessage Expected)> EveryEventKindFor(string userId)
    {
        yield return ("TRANSCRIPT_CREATED", new { id = $"created@{userId}" },
            new InvalidateMessage.TranscriptCreated($"created@{userId}"));
        yield return ("TRANSCRIPT_DELETED", new { id = $"deleted@{userId}" },
            new InvalidateMessage.TranscriptDeleted($"deleted@{userId}"));
        yield return ("TRANSCRIPT_RESTORED", new { id = $"restored@{userId}" },
            new InvalidateMessage.TranscriptRestored($"restored@{userId}"));
        yield return ("TRANSCRIPT_STATUS", new { id = $"status@{userId}", value = "processing" },
            new InvalidateMessage.TranscriptStatusChanged($"status@{userId}", TranscriptStatus.Processing));
        yield return ("TRANSCRIPT_FINAL_TITLE", new { id = $"title@{userId}", title = "Weekly sync" },
            new InvalidateMessage.TranscriptTitleChanged($"title@{userId}", "Weekly sync"));
        yield return ("TRANSCRIPT_DURATION", new { id = $"duration@{userId}", duration = 1234.5 },
            new InvalidateMessage.TranscriptDurationChanged($"duration@{userId}", 1234.5));
    }

    [Fact]
    public async Task Every_event_reaches_every_tab_of_its_user_and_no_tab_of_anyone_else()
    {
        await using var relay = new RelayFactory(fixture.Reflector);
        var reflector = fixture.Reflector;
        const int users = 6;
        const int tabsPerUser = 3;
        var userIds = Enumerable.Range(0, users).Select(i => $"fanout-{i}-{Guid.NewGuid():N}").ToArray();

        // Every tab of every user connects at once.
        var tabs = await Task.WhenAll(userIds.SelectMany(userId =>
            Enumerable.Range(0, tabsPerUser).Select(async _ => (UserId: userId, Client: await relay.ConnectAsync(userId)))));
        try
        {
            await Task.WhenAll(tabs.Select(tab => tab.Client.WaitForStateAsync(UpstreamState.Connected)));
            await Task.WhenAll(userIds.Select(userId => reflector.WaitForOpenSocketsAsync(userId, 1, TestTimeouts.Default)));

            await Task.WhenAll(userIds.Select(async userId =>
            {
                foreach (var (eventName, data, _) in EveryEventKindFor(userId))
                {
                    Assert.Equal(1, await reflector.EmitAsync(userId, eventName, data));
                }
            }));

            // In order, typed, and only the tab's own user's.
            await Task.WhenAll(tabs.Select(async tab =>
            {
                foreach (var (_, _, expected) in EveryEventKindFor(tab.UserId))
                {
                    Assert.Equal(expected, await tab.Client.NextMessageAsync());
                }
            }));

            // Nothing else is queued for anyone: a marker sent last to each user is the next thing each tab sees.
            await Task.WhenAll(userIds.Select(userId => reflector.EmitAsync(userId, "TRANSCRIPT_CREATED", new { id = "marker-" + userId })));
            foreach (var (userId, client) in tabs)
            {
                Assert.Equal(new InvalidateMessage.TranscriptCreated("marker-" + userId), await client.NextMessageAsync());
            }

            foreach (var userId in userIds)
            {
                Assert.Equal(1, reflector.Handshakes(userId));
                Assert.Equal(1, reflector.OpenSockets(userId));
            }
        }
        finally
        {
            await Task.WhenAll(tabs.Select(tab => tab.Client.DisposeAsync().AsTask()));
        }
    }

    [Fact]
    public async Task A_new_tab_is_told_the_current_upstream_state_as_soon_as_it_joins()
    {
        await using var relay = new RelayFactory(fixture.Reflector);
        var userId = "status-" + Guid.NewGuid().ToString("N");
        await using var first = await relay.ConnectAsync(userId);
        await first.WaitForStateAsync(UpstreamState.Connected);

        await using var second = await relay.ConnectAsync(userId);

        Assert.Equal(UpstreamStatus.Connected, await second.NextStatusAsync());
    }

    [Fact]
    public async Task Server_sent_events_and_long_polling_clients_receive_events_too()
    {
        await using var relay = new RelayFactory(fixture.Reflector);
        var userId = "transports-" + Guid.NewGuid().ToString("N");
        await using var sse = await relay.ConnectAsync(userId, Microsoft.AspNetCore.Http.Connections.HttpTransportType.ServerSentEvents);
        await using var polling = await relay.ConnectAsync(userId, Microsoft.AspNetCore.Http.Connections.HttpTransportType.LongPolling);
        await sse.WaitForStateAsync(UpstreamState.Connected);
        await polling.WaitForStateAsync(UpstreamState.Connected);
        await fixture.Reflector.WaitForOpenSocketsAsync(userId, 1, TestTimeouts.Default);

        await fixture.Reflector.EmitAsync(userId, "TRANSCRIPT_DELETED", new { id = "gone" });

        Assert.Equal(new InvalidateMessage.TranscriptDeleted("gone"), await sse.NextMessageAsync());
        Assert.Equal(new InvalidateMessage.TranscriptDeleted("gone"), await polling.NextMessageAsync());
        Assert.Equal(1, fixture.Reflector.Handshakes(userId));
    }
}
