using Reflector.Relay.Cluster;
using StackExchange.Redis;

namespace Reflector.Relay.Tests.Cluster;

/// <summary>The names in Redis are part of what relays of every version share: they must not move.</summary>
public sealed class ClusterKeysTests
{
    private readonly ClusterKeys _keys = new("relays");

    [Fact]
    public void A_streams_keys_and_channel_sit_under_the_prefix_and_the_streams_name()
    {
        const string stream = "user:alice";

        Assert.Equal((RedisKey)"relays:user:alice:owner", _keys.Owner(stream));
        Assert.Equal((RedisKey)"relays:user:alice:epoch", _keys.Epoch(stream));
        Assert.Equal((RedisKey)"relays:user:alice:nodes", _keys.Interested(stream));
        Assert.Equal((RedisKey)"relays:user:alice:status", _keys.Status(stream));
        Assert.Equal(RedisChannel.Literal("relays:user:alice"), _keys.Channel(stream));
    }

    [Fact]
    public void A_relays_presence_and_the_set_of_relays_sit_under_the_prefix()
    {
        Assert.Equal((RedisKey)"relays:node:n1", _keys.Node("n1"));
        Assert.Equal("relays:node:", _keys.NodePrefix);
        Assert.Equal((RedisKey)"relays:nodes", _keys.Nodes);
    }

    [Fact]
    public void User_and_transcript_streams_have_namespaces_of_their_own()
    {
        Assert.Equal("user:alice", ClusterKeys.UserStream("alice"));
        Assert.Equal("transcript:alice\u001ft1", ClusterKeys.TranscriptStream("alice\u001ft1"));
    }
}
