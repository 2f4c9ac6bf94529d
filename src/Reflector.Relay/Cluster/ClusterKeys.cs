using StackExchange.Redis;

namespace Reflector.Relay.Cluster;

/// <summary>Where the cluster keeps its state in Redis, and the scripts that change it atomically.</summary>
internal sealed class ClusterKeys(string prefix)
{
    /// <summary>Set while the relay is alive, with a time to live of <see cref="ClusterOptions.NodeTimeout"/>.</summary>
    public RedisKey Node(string nodeId) => $"{prefix}:node:{nodeId}";

    public string NodePrefix => $"{prefix}:node:";

    /// <summary>Every relay that has said it is alive, dead ones until someone notices.</summary>
    public RedisKey Nodes => $"{prefix}:nodes";

    /// <summary>A user's stream of events: <c>user:{userId}</c>.</summary>
    public static string UserStream(string userId) => "user:" + userId;

    /// <summary>A user's stream of one transcript: in a namespace of its own, so no user id can name it.</summary>
    public static string TranscriptStream(string key) => "transcript:" + key;

    /// <summary>The user's socket holder, <c>{node}/{claim}|{epoch}</c>.</summary>
    public RedisKey Owner(string stream) => $"{prefix}:{stream}:owner";

    public RedisKey Epoch(string stream) => $"{prefix}:{stream}:epoch";

    /// <summary>The relays with connections of the user.</summary>
    public RedisKey Interested(string stream) => $"{prefix}:{stream}:nodes";

    /// <summary>The holder's last status envelope, for connections joining on other relays.</summary>
    public RedisKey Status(string stream) => $"{prefix}:{stream}:status";

    public RedisChannel Channel(string stream) => RedisChannel.Literal($"{prefix}:{stream}");

    /// <summary>
    /// Takes the user's socket when nobody holds it or its holder's relay is dead; keeps it when the caller holds it.
    /// Returns {won, holder value, took over from a dead relay}. Epochs are milliseconds of Redis's clock, or the
    /// counter when it is past them, so they keep growing across a Redis restart that lost the counter; written
    /// with %d, as Lua prints large numbers in exponent form.
    /// The node key is built in the script (standalone Redis; a Redis Cluster would need hash tags).
    /// KEYS: owner, epoch. ARGV: claimant, node key prefix.
    /// </summary>
    public const string ClaimScript = """
        local current = redis.call('GET', KEYS[1])
        if current then
          local holder = string.match(current, '^(.*)|')
          if holder == ARGV[1] then return {1, current, 0} end
          local node = string.match(current, '^([^/]*)/')
          if node and redis.call('EXISTS', ARGV[2] .. node) == 1 then return {0, current, 0} end
        end
        local time = redis.call('TIME')
        local epoch = tonumber(time[1]) * 1000 + math.floor(tonumber(time[2]) / 1000)
        local counted = redis.call('INCR', KEYS[2])
        if counted > epoch then epoch = counted end
        epoch = string.format('%d', epoch)
        redis.call('SET', KEYS[2], epoch)
        local value = ARGV[1] .. '|' .. epoch
        redis.call('SET', KEYS[1], value)
        if current then return {1, value, 1} end
        return {1, value, 0}
        """;

    /// <summary>
    /// Keeps the holder's last status for tabs joining on other relays, only while the caller still holds the
    /// socket: a relay that lost its claim must not overwrite the new holder's. KEYS: owner, status. ARGV: holder value, status.
    /// </summary>
    public const string SetStatusScript = """
        if redis.call('GET', KEYS[1]) == ARGV[1] then
          redis.call('SET', KEYS[2], ARGV[2], 'EX', 86400)
        end
        return 0
        """;

    /// <summary>Lets go of the socket if the caller still holds it. KEYS: owner, status. ARGV: holder value.</summary>
    public const string ReleaseScript = """
        if redis.call('GET', KEYS[1]) == ARGV[1] then
          redis.call('DEL', KEYS[1], KEYS[2])
          return 1
        end
        return 0
        """;
}
