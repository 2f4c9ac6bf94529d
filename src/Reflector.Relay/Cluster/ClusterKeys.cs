using StackExchange.Redis;

namespace Reflector.Relay.Cluster;

/// <summary>Where the cluster keeps its state in Redis: every key and channel name, under one prefix.</summary>
internal sealed class ClusterKeys(string prefix)
{
    /// <summary>
    /// How long a stream's epoch outlives the stream's release (deleted owner and status, left interest): a minute,
    /// so what a refused or ended stream leaves in a shared Redis is gone soon, whatever ids anyone tries.
    /// </summary>
    public static readonly TimeSpan EndedStreamLifetime = TimeSpan.FromMinutes(1);

    /// <summary>Set while the relay is alive, with a time to live of <see cref="ClusterOptions.NodeTimeout"/>.</summary>
    public RedisKey Node(string nodeId) => $"{prefix}:node:{nodeId}";

    public string NodePrefix => $"{prefix}:node:";

    /// <summary>Every relay that has said it is alive, dead ones until someone notices.</summary>
    public RedisKey Nodes => $"{prefix}:nodes";

    /// <summary>A user's stream of events: <c>user:{userId}</c>.</summary>
    public static string UserStream(string userId) => "user:" + userId;

    /// <summary>A user's stream of one transcript: in a namespace of its own, so no user id can name it.</summary>
    public static string TranscriptStream(string key) => "transcript:" + key;

    /// <summary>The stream's socket holder, <c>{node}/{claim}|{epoch}</c>; lives <see cref="ClusterOptions.KeyLifetime"/>, renewed by its holder.</summary>
    public RedisKey Owner(string stream) => $"{prefix}:{stream}:owner";

    /// <summary>The stream's last epoch; see <see cref="ClusterScripts.Claim"/> for why it may expire.</summary>
    public RedisKey Epoch(string stream) => $"{prefix}:{stream}:epoch";

    /// <summary>The relays with connections of the stream.</summary>
    public RedisKey Interested(string stream) => $"{prefix}:{stream}:nodes";

    /// <summary>The holder's last status envelope, for connections joining on other relays.</summary>
    public RedisKey Status(string stream) => $"{prefix}:{stream}:status";

    /// <summary>
    /// The epoch and number of the holder's last envelope (<see cref="HolderPosition"/>): a relay that subscribes
    /// starts counting there, so even the first message it should hear cannot go missing unnoticed.
    /// </summary>
    public RedisKey Published(string stream) => $"{prefix}:{stream}:published";

    public RedisChannel Channel(string stream) => RedisChannel.Literal($"{prefix}:{stream}");
}
