using System.Net.WebSockets;
using Reflector.Relay.Events;
using Reflector.Relay.Tests.Infrastructure;
using Reflector.Relay.Streams;

namespace Reflector.Relay.Tests.Streams;

public sealed class UpstreamConnectionManagerTests(ReflectorFixture fixture) : IClassFixture<ReflectorFixture>
{
    private static string NewUser() => "user-" + Guid.NewGuid().ToString("N");

    [Fact]
    public async Task The_socket_outlives_its_last_connection_by_exactly_the_linger()
    {
        await using var harness = new UpstreamHarness(fixture.Reflector);
        var userId = NewUser();
        var connectionId = await harness.AttachAsync(userId);
        await harness.WaitForStateAsync(userId, UpstreamState.Connected);
        await fixture.Reflector.WaitForOpenSocketsAsync(userId, 1, TestTimeouts.Default);

        harness.Manager.Detach(userId, connectionId);
        harness.Time.Advance(TimeSpan.FromMilliseconds(999));

        Assert.Equal(1, harness.Manager.UpstreamCount);
        Assert.Equal(1, fixture.Reflector.OpenSockets(userId));

        harness.Time.Advance(TimeSpan.FromMilliseconds(1));

        Assert.Equal(0, harness.Manager.UpstreamCount);
        await fixture.Reflector.WaitForOpenSocketsAsync(userId, 0, TestTimeouts.Default);
        Assert.Equal(1, fixture.Reflector.Handshakes(userId));
    }

    [Fact]
    public async Task A_linger_close_is_a_clean_normal_closure()
    {
        await using var harness = new UpstreamHarness(fixture.Reflector);
        var userId = NewUser();
        var connectionId = await harness.AttachAsync(userId);
        await harness.WaitForStateAsync(userId, UpstreamState.Connected);
        await fixture.Reflector.WaitForOpenSocketsAsync(userId, 1, TestTimeouts.Default);
        var closesBefore = fixture.Reflector.ClientCloseStatuses.Count;

        harness.Manager.Detach(userId, connectionId);
        harness.Time.Advance(harness.Options.Linger);
        await fixture.Reflector.WaitForOpenSocketsAsync(userId, 0, TestTimeouts.Default);

        Assert.Contains(WebSocketCloseStatus.NormalClosure, fixture.Reflector.ClientCloseStatuses.Skip(closesBefore));
    }

    [Fact]
    public async Task A_connection_arriving_during_the_linger_takes_the_same_socket()
    {
        await using var harness = new UpstreamHarness(fixture.Reflector);
        var userId = NewUser();
        var first = await harness.AttachAsync(userId);
        await harness.WaitForStateAsync(userId, UpstreamState.Connected);

        harness.Manager.Detach(userId, first);
        harness.Time.Advance(TimeSpan.FromMilliseconds(600));
        await harness.AttachAsync(userId);
        harness.Time.Advance(TimeSpan.FromSeconds(10));

        Assert.Equal(1, harness.Manager.UpstreamCount);
        await fixture.Reflector.WaitForOpenSocketsAsync(userId, 1, TestTimeouts.Default);
        Assert.Equal(1, fixture.Reflector.Handshakes(userId));
    }

    [Fact]
    public async Task A_zero_linger_closes_as_soon_as_the_last_connection_leaves()
    {
        await using var harness = new UpstreamHarness(fixture.Reflector, options => options.Linger = TimeSpan.Zero);
        var userId = NewUser();
        var connectionId = await harness.AttachAsync(userId);
        await harness.WaitForStateAsync(userId, UpstreamState.Connected);

        harness.Manager.Detach(userId, connectionId);

        Assert.Equal(0, harness.Manager.UpstreamCount);
        await fixture.Reflector.WaitForOpenSocketsAsync(userId, 0, TestTimeouts.Default);
    }

    [Fact]
    public async Task Many_tabs_joining_at_once_share_one_handshake()
    {
        await using var harness = new UpstreamHarness(fixture.Reflector, maxConnectionsPerUser: 64);
        var userId = NewUser();

        await Task.WhenAll(Enumerable.Range(0, 64).Select(_ => Task.Run(() => harness.AttachAsync(userId))));
        await harness.WaitForStateAsync(userId, UpstreamState.Connected);

        await fixture.Reflector.WaitForOpenSocketsAsync(userId, 1, TestTimeouts.Default);
        Assert.Equal(1, fixture.Reflector.Handshakes(userId));
        Assert.Equal(1, harness.Manager.UpstreamCount);
    }

    [Fact]
    public async Task A_user_past_the_connection_limit_is_refused_and_may_connect_again_after_one_leaves()
    {
        await using var harness = new UpstreamHarness(fixture.Reflector, maxConnectionsPerUser: 3);
        var userId = NewUser();
        var first = await harness.AttachAsync(userId);
        await harness.AttachAsync(userId);
        await harness.AttachAsync(userId);

        var refused = await Assert.ThrowsAsync<Reflector.Relay.Limits.ConnectionLimitExceededException>(() => harness.AttachAsync(userId));
        Assert.Contains("Limits:MaxConnectionsPerUser", refused.Message, StringComparison.Ordinal);

        // Another user is not affected, and a freed place can be taken.
        await harness.AttachAsync(NewUser());
        harness.Manager.Detach(userId, first);
        await harness.AttachAsync(userId);
    }

    [Fact]
    public async Task Concurrent_joins_and_leaves_never_leave_two_sockets_an_orphan_or_a_user_without_one()
    {
        await using var harness = new UpstreamHarness(fixture.Reflector, maxConnectionsPerUser: 1000);
        var users = Enumerable.Range(0, 8).Select(_ => NewUser()).ToArray();
        var live = users.ToDictionary(user => user, _ => new List<string>());
        var random = new Random(42);

        for (var round = 0; round < 25; round++)
        {
            // A burst of joins and leaves across users, all at once, sometimes with the clock moving mid-burst.
            var operations = new List<Func<Task>>();
            foreach (var user in users)
            {
                var joins = random.Next(0, 4);
                var leaves = Math.Min(random.Next(0, 4), live[user].Count);
                var leaving = live[user].Take(leaves).ToList();
                live[user].RemoveRange(0, leaves);
                foreach (var connectionId in leaving)
                {
                    operations.Add(() => Task.Run(() => harness.Manager.Detach(user, connectionId)));
                }

                for (var i = 0; i < joins; i++)
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

            // Once things settle past the linger: exactly one socket per user with connections, none for the rest.
            harness.Time.Advance(harness.Options.Linger);
            foreach (var user in users)
            {
                Assert.Equal(live[user].Count, harness.Manager.ConnectionsOf(user));
                Assert.Equal(live[user].Count > 0, harness.Manager.HasUpstream(user));
                await fixture.Reflector.WaitForOpenSocketsAsync(user, live[user].Count > 0 ? 1 : 0, TestTimeouts.Default);
            }

            Assert.Equal(users.Count(user => live[user].Count > 0), harness.Manager.UpstreamCount);
        }
    }

    [Fact]
    public async Task Shutdown_closes_every_upstream_socket_with_going_away()
    {
        var harness = new UpstreamHarness(fixture.Reflector);
        var users = Enumerable.Range(0, 3).Select(_ => NewUser()).ToArray();
        foreach (var user in users)
        {
            await harness.AttachAsync(user);
            await harness.WaitForStateAsync(user, UpstreamState.Connected);
            await fixture.Reflector.WaitForOpenSocketsAsync(user, 1, TestTimeouts.Default);
        }

        var closesBefore = fixture.Reflector.ClientCloseStatuses.Count;
        await harness.DisposeAsync();

        foreach (var user in users)
        {
            await fixture.Reflector.WaitForOpenSocketsAsync(user, 0, TestTimeouts.Default);
        }

        var closes = fixture.Reflector.ClientCloseStatuses.Skip(closesBefore).ToArray();
        Assert.Equal(users.Length, closes.Count(status => status == WebSocketCloseStatus.EndpointUnavailable));
        await Assert.ThrowsAsync<RelayShuttingDownException>(
            () => harness.Manager.AttachAsync(NewUser(), "late", harness.TokenFor("late"), CancellationToken.None));
    }
}
