using System.Threading.Channels;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Testing;
using Microsoft.Extensions.Options;
using Reflector.Relay.Cluster;
using Reflector.Relay.Diagnostics;
using Reflector.Relay.Events;
using Reflector.Relay.Logging;
using Reflector.Relay.Tests.Cluster.Infrastructure;
using Reflector.Relay.Tests.Infrastructure;
using StackExchange.Redis;

namespace Reflector.Relay.Tests.Cluster;

/// <summary>
/// Claims of two in-process relays on the real redis-server: one holds, the other follows on the channel and takes
/// over when it lets go; what is not an envelope is dropped, said, and heard past.
/// </summary>
[Collection(ClusterTests.Name)]
public sealed class RedisStreamClaimTests(RedisFixture fixture) : IClassFixture<RedisFixture>, IAsyncLifetime
{
    private readonly ServiceProvider _services = new ServiceCollection().AddMetrics().BuildServiceProvider();
    private readonly string _prefix = RedisFixture.NewPrefix();
    private readonly List<RedisUpstreamOwnership> _nodes = [];

    public Task InitializeAsync() => Task.CompletedTask;

    [Fact]
    public async Task A_malformed_message_on_the_channel_is_dropped_and_logged_and_the_claim_goes_on_hearing()
    {
        var logger = new FakeLogger<RedisUpstreamOwnership>();
        var node = await StartNodeAsync("n1", logger);
        var observer = new RecordingObserver();
        await using var claim = (RedisStreamClaim<InvalidateMessage>)((IUpstreamOwnership<InvalidateMessage>)node).Join("alice", observer);
        await claim.Ready.DefaultTimeout();
        Assert.True(claim.IsLive);

        await using var redis = await ConnectionMultiplexer.ConnectAsync(fixture.Redis.ConnectionString);
        var channel = RedisChannel.Literal($"{_prefix}:user:alice");
        await redis.GetSubscriber().PublishAsync(channel, "{not an envelope");
        await redis.GetSubscriber().PublishAsync(channel, """{"n":"n9/1","e":1,"q":1,"k":"invalidate","i":{"type":"transcriptCreated","transcriptId":"t1"}}""");

        Assert.Equal("transcriptCreated t1", await observer.NextAsync());
        var dropped = Assert.Single(logger.Collector.GetSnapshot(), record => record.Id.Id == LogEventIds.Cluster.EnvelopeDropped);
        Assert.Contains(dropped.StructuredState!, pair => pair is { Key: "UserId", Value: "alice" });
        Assert.DoesNotContain("not an envelope", dropped.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_relay_following_the_holder_hears_its_messages_and_status_and_takes_over_when_it_lets_go()
    {
        var holderNode = await StartNodeAsync("n1");
        var followerNode = await StartNodeAsync("n2");
        var holderObserver = new RecordingObserver();
        var followerObserver = new RecordingObserver();
        await using var holder = ((IUpstreamOwnership<TranscriptEventMessage>)holderNode).Join("alice\u001ft1", holderObserver.ForTranscripts);
        await using var follower = ((IUpstreamOwnership<TranscriptEventMessage>)followerNode).Join("alice\u001ft1", followerObserver.ForTranscripts);

        var lease = await holder.AcquireAsync(CancellationToken.None).AsTask().DefaultTimeout();
        await follower.Ready.DefaultTimeout();
        var following = follower.AcquireAsync(CancellationToken.None).AsTask();
        holder.Publish(new TranscriptEventMessage.LiveText("t1", "hello", Translation: null));
        holder.Publish(UpstreamStatus.Connected);

        Assert.Equal("transcript hello", await followerObserver.NextAsync());
        Assert.Equal("status Connected", await followerObserver.NextAsync());
        Assert.False(following.IsCompleted);

        await holder.ReleaseAsync();
        var taken = await following.DefaultTimeout();
        Assert.True(lease.Lost.IsCancellationRequested);
        Assert.False(taken.Lost.IsCancellationRequested);
    }

    [Fact]
    public async Task A_relay_that_subscribes_counts_from_the_holders_position_so_even_its_first_message_lost_brings_a_resync()
    {
        var holderNode = await StartNodeAsync("n1");
        var followerNode = await StartNodeAsync("n2");
        var followerObserver = new RecordingObserver();
        await using var holder = (RedisStreamClaim<InvalidateMessage>)((IUpstreamOwnership<InvalidateMessage>)holderNode).Join("alice", new RecordingObserver());
        await holder.AcquireAsync(CancellationToken.None).AsTask().DefaultTimeout();
        holder.Publish(UpstreamStatus.Connected);
        var epoch = ClaimLease.EpochOf((string)(await fixture.Redis.CommandAsync("GET", $"{_prefix}:user:alice:owner"))!);
        await TestTimeouts.EventuallyAsync(
            async () => (string?)await fixture.Redis.CommandAsync("GET", $"{_prefix}:user:alice:published") == $"{epoch}:1",
            "the holder's status noted as its first envelope");

        await using var follower = ((IUpstreamOwnership<InvalidateMessage>)followerNode).Join("alice", followerObserver);
        await follower.Ready.DefaultTimeout();
        Assert.Equal("status Connected", await followerObserver.NextAsync());

        // The holder's second envelope never reached the channel; its third is the first this relay hears.
        await using var redis = await ConnectionMultiplexer.ConnectAsync(fixture.Redis.ConnectionString);
        await redis.GetSubscriber().PublishAsync(
            RedisChannel.Literal($"{_prefix}:user:alice"),
            $$$"""{"n":"{{{holder.HolderId}}}","e":{{{epoch}}},"q":3,"k":"invalidate","i":{"type":"transcriptCreated","transcriptId":"t3"}}""");

        Assert.Equal("resync", await followerObserver.NextAsync());
        Assert.Equal("transcriptCreated t3", await followerObserver.NextAsync());
    }

    [Fact]
    public async Task A_user_stream_and_a_transcript_stream_of_the_same_user_do_not_hear_each_other()
    {
        var holderNode = await StartNodeAsync("n1");
        var followerNode = await StartNodeAsync("n2");
        var userObserver = new RecordingObserver();
        await using var transcriptHolder = ((IUpstreamOwnership<TranscriptEventMessage>)holderNode).Join("alice", new RecordingObserver().ForTranscripts);
        await using var userFollower = ((IUpstreamOwnership<InvalidateMessage>)followerNode).Join("alice", userObserver);
        await using var userHolder = ((IUpstreamOwnership<InvalidateMessage>)holderNode).Join("alice", new RecordingObserver());

        await transcriptHolder.AcquireAsync(CancellationToken.None).AsTask().DefaultTimeout();
        await userHolder.AcquireAsync(CancellationToken.None).AsTask().DefaultTimeout();
        await userFollower.Ready.DefaultTimeout();
        transcriptHolder.Publish(new TranscriptEventMessage.LiveText("alice", "not for the user stream", Translation: null));
        userHolder.Publish(new InvalidateMessage.TranscriptDeleted("t2"));

        Assert.Equal("transcriptDeleted t2", await userObserver.NextAsync());
    }

    public async Task DisposeAsync()
    {
        foreach (var node in _nodes)
        {
            await node.StopAsync(CancellationToken.None);
            await node.DisposeAsync();
        }

        await _services.DisposeAsync();
    }

    private async Task<RedisUpstreamOwnership> StartNodeAsync(string nodeId, FakeLogger<RedisUpstreamOwnership>? logger = null)
    {
        var configuration = new ConfigurationBuilder()
            .AddInMemoryCollection(new Dictionary<string, string?> { ["ConnectionStrings:Redis"] = fixture.Redis.ConnectionString })
            .Build();
        var node = new RedisUpstreamOwnership(
            Options.Create(new ClusterOptions { NodeId = nodeId, KeyPrefix = _prefix }),
            configuration,
            new RelayMetrics(_services.GetRequiredService<System.Diagnostics.Metrics.IMeterFactory>()),
            TimeProvider.System,
            logger ?? new FakeLogger<RedisUpstreamOwnership>());
        _nodes.Add(node);
        await node.StartAsync(CancellationToken.None).DefaultTimeout();
        return node;
    }

    /// <summary>What a stream on the relay would be told, one line per call, for either stream kind.</summary>
    private sealed class RecordingObserver : IClaimObserver<InvalidateMessage>
    {
        private readonly Channel<string> _seen = Channel.CreateUnbounded<string>();

        public RecordingObserver() => ForTranscripts = new TranscriptObserver(this);

        public IClaimObserver<TranscriptEventMessage> ForTranscripts { get; }

        public async Task<string> NextAsync() => await _seen.Reader.ReadAsync().AsTask().DefaultTimeout();

        public Task OnRemoteMessageAsync(InvalidateMessage message) => Say(message switch
        {
            InvalidateMessage.TranscriptCreated created => $"transcriptCreated {created.TranscriptId}",
            InvalidateMessage.TranscriptDeleted deleted => $"transcriptDeleted {deleted.TranscriptId}",
            _ => message.ToString(),
        });

        public Task OnRemoteStatusAsync(UpstreamStatus status) => Say($"status {status.State}");

        public Task OnRemoteGapAsync() => Say("resync");

        public void OnInterestChanged()
        {
        }

        public Task OnClaimConfirmedAsync() => Task.CompletedTask;

        private Task Say(string line)
        {
            _seen.Writer.TryWrite(line);
            return Task.CompletedTask;
        }

        private sealed class TranscriptObserver(RecordingObserver inner) : IClaimObserver<TranscriptEventMessage>
        {
            public Task OnRemoteMessageAsync(TranscriptEventMessage message) =>
                inner.Say(message is TranscriptEventMessage.LiveText text ? $"transcript {text.Text}" : message.ToString());

            public Task OnRemoteStatusAsync(UpstreamStatus status) => inner.OnRemoteStatusAsync(status);

            public Task OnRemoteGapAsync() => inner.OnRemoteGapAsync();

            public void OnInterestChanged()
            {
            }

            public Task OnClaimConfirmedAsync() => Task.CompletedTask;
        }
    }
}
