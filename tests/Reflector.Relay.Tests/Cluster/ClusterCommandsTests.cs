using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using Reflector.Relay.Cluster;
using Reflector.Relay.Diagnostics;
using Reflector.Relay.Tests.Cluster.Infrastructure;
using Reflector.Relay.Tests.Infrastructure;
using StackExchange.Redis;

namespace Reflector.Relay.Tests.Cluster;

/// <summary>The scripts on a stream's keys, run by the real redis-server: who wins a claim, under which epoch, and who may renew, release and keep a status.</summary>
[Collection(ClusterTests.Name)]
[System.Diagnostics.CodeAnalysis.SuppressMessage("Design", "CA1001", Justification = "Disposed in IAsyncLifetime.DisposeAsync.")]
public sealed class ClusterCommandsTests(RedisFixture fixture) : IClassFixture<RedisFixture>, IAsyncLifetime
{
    private static readonly ClusterStream Alice = ClusterStream.ForUser("alice");

    private readonly ServiceProvider _services = new ServiceCollection().AddMetrics().BuildServiceProvider();
    private readonly ClusterConnection _connection = new();
    private readonly string _prefix = RedisFixture.NewPrefix();
    private ClusterKeys _keys = null!;
    private ClusterCommands _commands = null!;

    public async Task InitializeAsync()
    {
        await _connection.ConnectAsync(fixture.Redis.ConnectionString, "commands-test", _ => { }, () => { }).DefaultTimeout();
        var options = new ClusterOptions { NodeId = "n1", KeyPrefix = _prefix };
        _keys = new ClusterKeys(_prefix);
        var metrics = new RelayMetrics(_services.GetRequiredService<System.Diagnostics.Metrics.IMeterFactory>());
        _commands = new ClusterCommands(_connection, _keys, options, metrics, NullLogger.Instance);
    }

    [Fact]
    public async Task A_claim_on_a_live_relays_stream_loses_and_names_the_holder()
    {
        await AliveAsync("n1");
        var won = await _commands.TryClaimAsync(Alice, "n1/1", epochFloor: 1);
        var lost = await _commands.TryClaimAsync(Alice, "n2/1", epochFloor: 1);

        Assert.True(won.Won);
        Assert.False(won.TookOverFromDeadRelay);
        Assert.StartsWith("n1/1|", won.HolderValue, StringComparison.Ordinal);
        Assert.Equal(new ClaimResult(false, won.HolderValue, false), lost);
        Assert.Equal("n1", lost.HolderNode);
    }

    [Fact]
    public async Task The_holder_claiming_again_keeps_its_value_and_epoch()
    {
        await AliveAsync("n1");
        var first = await _commands.TryClaimAsync(Alice, "n1/1", epochFloor: 1);
        var again = await _commands.TryClaimAsync(Alice, "n1/1", epochFloor: 1);

        Assert.Equal(new ClaimResult(true, first.HolderValue, false), again);
    }

    [Fact]
    public async Task A_dead_relays_claim_is_taken_over_under_a_greater_epoch()
    {
        var dead = await _commands.TryClaimAsync(Alice, "n1/1", epochFloor: 1);
        var taken = await _commands.TryClaimAsync(Alice, "n2/1", epochFloor: 1);

        Assert.True(taken.Won);
        Assert.True(taken.TookOverFromDeadRelay);
        Assert.True(ClaimLease.EpochOf(taken.HolderValue) > ClaimLease.EpochOf(dead.HolderValue));
    }

    [Fact]
    public async Task A_claim_gets_at_least_the_epoch_floor_it_asks_for()
    {
        const long floor = 99_999_999_999_999;

        var result = await _commands.TryClaimAsync(Alice, "n1/1", floor);

        Assert.Equal($"n1/1|{floor}", result.HolderValue);
        Assert.Equal(floor.ToString(System.Globalization.CultureInfo.InvariantCulture), (string?)await fixture.Redis.CommandAsync("GET", $"{_prefix}:user:alice:epoch"));
    }

    [Fact]
    public async Task Only_the_holder_renews_and_only_while_its_value_stands()
    {
        var held = await _commands.TryClaimAsync(Alice, "n1/1", epochFloor: 1);

        Assert.True(await _commands.RenewHoldAsync(Alice, held.HolderValue));
        Assert.False(await _commands.RenewHoldAsync(Alice, "n2/1|1"));

        var taken = await _commands.TryClaimAsync(Alice, "n2/1", epochFloor: 1);
        Assert.True(taken.Won);
        Assert.False(await _commands.RenewHoldAsync(Alice, held.HolderValue));
    }

    [Fact]
    public async Task A_release_frees_the_claim_keeps_the_epoch_a_minute_and_says_so_on_the_channel()
    {
        await AliveAsync("n1");
        var held = await _commands.TryClaimAsync(Alice, "n1/1", epochFloor: 1);

        // Another claim's release leaves the holder's claim alone.
        await _commands.TryReleaseAsync(new ClaimRelease(Alice, "n1/2", "n1/2|1"));
        Assert.Equal(held.HolderValue, await fixture.Redis.CommandAsync("GET", $"{_prefix}:user:alice:owner"));

        var heard = new TaskCompletionSource<string>(TaskCreationOptions.RunContinuationsAsynchronously);
        var queue = await _connection.Subscriber.SubscribeAsync(_keys.Channel(Alice.Name));
        queue.OnMessage(message => heard.TrySetResult((string)message.Message!));

        Assert.True(await _commands.TryReleaseAsync(new ClaimRelease(Alice, "n1/1", held.HolderValue)));
        Assert.Null(await fixture.Redis.CommandAsync("GET", $"{_prefix}:user:alice:owner"));
        var epochLifetime = (long)(await fixture.Redis.CommandAsync("PTTL", $"{_prefix}:user:alice:epoch"))!;
        Assert.InRange(epochLifetime, 1, (long)ClusterKeys.EndedStreamLifetime.TotalMilliseconds);
        Assert.Equal("""{"n":"n1/1","e":0,"q":0,"k":"released"}""", await heard.Task.DefaultTimeout());
        await queue.UnsubscribeAsync();
    }

    [Fact]
    public async Task A_status_and_the_holders_position_are_kept_for_joining_relays_only_while_its_claim_holds()
    {
        var held = await _commands.TryClaimAsync(Alice, "n1/1", epochFloor: 1);
        var epoch = ClaimLease.EpochOf(held.HolderValue);
        Assert.Equal(new HolderPosition(epoch, 0), (await _commands.JoinPointAsync(Alice)).Published);

        _commands.Publish(Alice, "first", held.HolderValue, new HolderPosition(epoch, 1), isStatus: true);
        _commands.Publish(Alice, "a message", held.HolderValue, new HolderPosition(epoch, 2), isStatus: false);
        _commands.Publish(Alice, "stale", "n9/9|1", new HolderPosition(1, 7), isStatus: true);

        var (status, published) = await _commands.JoinPointAsync(Alice);
        Assert.Equal("first", (string?)status);
        Assert.Equal(new HolderPosition(epoch, 2), published);
    }

    [Fact]
    public async Task The_holders_envelopes_are_heard_on_the_channel_in_the_order_published()
    {
        var held = await _commands.TryClaimAsync(Alice, "n1/1", epochFloor: 1);
        var heard = System.Threading.Channels.Channel.CreateUnbounded<string>();
        var queue = await _connection.Subscriber.SubscribeAsync(_keys.Channel(Alice.Name));
        queue.OnMessage(message => heard.Writer.TryWrite((string)message.Message!));

        _commands.Publish(Alice, "status", held.HolderValue, new HolderPosition(1, 1), isStatus: true);
        _commands.Publish(Alice, "message", held.HolderValue, new HolderPosition(1, 2), isStatus: false);

        Assert.Equal("status", await heard.Reader.ReadAsync().AsTask().DefaultTimeout());
        Assert.Equal("message", await heard.Reader.ReadAsync().AsTask().DefaultTimeout());
        await queue.UnsubscribeAsync();
    }

    [Fact]
    public async Task A_release_takes_the_holders_position_with_it()
    {
        var held = await _commands.TryClaimAsync(Alice, "n1/1", epochFloor: 1);
        _commands.Publish(Alice, "first", held.HolderValue, new HolderPosition(ClaimLease.EpochOf(held.HolderValue), 1), isStatus: true);

        Assert.True(await _commands.TryReleaseAsync(new ClaimRelease(Alice, "n1/1", held.HolderValue)));

        var (status, published) = await _commands.JoinPointAsync(Alice);
        Assert.True(status.IsNull);
        Assert.Null(published);
    }

    [Fact]
    public async Task Interest_is_said_in_the_set_and_taken_back_by_the_last_to_leave()
    {
        _commands.SayInterest(Alice, "n1/1", joined: true);
        Assert.Equal(["n1"], await _commands.InterestedNodesAsync(Alice));

        _commands.SayInterest(Alice, "n1/1", joined: false);
        Assert.Empty(await _commands.InterestedNodesAsync(Alice));
        Assert.Equal(0L, await fixture.Redis.CommandAsync("EXISTS", $"{_prefix}:user:alice:nodes"));
    }

    public async Task DisposeAsync()
    {
        await _connection.DisposeAsync();
        await _services.DisposeAsync();
    }

    private Task<object?> AliveAsync(string node) => fixture.Redis.CommandAsync("SET", $"{_prefix}:node:{node}", "alive", "PX", "60000");
}
