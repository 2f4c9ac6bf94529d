namespace Reflector.Relay.Cluster;

/// <summary>The Lua scripts that change a stream's keys atomically (<see cref="ClusterKeys"/>).</summary>
internal static class ClusterScripts
{
    /// <summary>
    /// Takes the stream's socket when nobody holds it or its holder's relay is dead; keeps it, and renews its keys,
    /// when the caller holds it. Returns {won, holder value, took over from a dead relay}.
    /// <para>
    /// Epochs fence a relay that lost its claim: receivers drop what comes from an epoch older than one they have
    /// heard, so a new claim's epoch must be greater than every earlier claim's of the stream. An epoch is the
    /// milliseconds of Redis's clock, or one more than the last epoch (the epoch key, or the dead holder's value)
    /// when that is higher (two claims in one millisecond). So the epoch key only matters while the clock has not
    /// passed it, and it may expire: Redis expires keys on the same clock, so once the key is gone that clock reads
    /// at least the key's last epoch plus the time it was kept (seconds at the least, a minute by default), while
    /// claims run ahead of the clock by one millisecond per claim in the same millisecond only. A stream claimed
    /// again later, even one made anew with the same id, gets a greater epoch. A clock stepped back delays the
    /// expiry by as much, so that is covered too; a Redis restart that lost the key is covered by the clock, as
    /// before. Written with %d, as Lua prints large numbers in exponent form.
    /// </para>
    /// <para>
    /// Not so a Redis restarted empty on a host whose clock is behind the old one: its epochs would be older than
    /// the ones the relays heard, and the new holder's messages dropped for good. So the claimant also passes one
    /// more than the newest epoch it has heard of the stream, and the epoch is at least that.
    /// </para>
    /// The node key is built in the script (standalone Redis; a Redis Cluster would need hash tags).
    /// A new claim's position (<see cref="ClusterKeys.Published"/>) is its epoch at 0: nothing published yet.
    /// KEYS: owner, epoch, status, published. ARGV: claimant, node key prefix, key lifetime in milliseconds, epoch floor.
    /// </summary>
    public const string Claim = """
        local current = redis.call('GET', KEYS[1])
        local previous = 0
        if current then
          local holder = string.match(current, '^(.*)|')
          if holder == ARGV[1] then
            redis.call('PEXPIRE', KEYS[1], ARGV[3])
            redis.call('PEXPIRE', KEYS[2], ARGV[3])
            redis.call('PEXPIRE', KEYS[3], ARGV[3])
            redis.call('PEXPIRE', KEYS[4], ARGV[3])
            return {1, current, 0}
          end
          local node = string.match(current, '^([^/]*)/')
          if node and redis.call('EXISTS', ARGV[2] .. node) == 1 then return {0, current, 0} end
          previous = tonumber(string.match(current, '|(%d+)$')) or 0
        end
        local time = redis.call('TIME')
        local epoch = tonumber(time[1]) * 1000 + math.floor(tonumber(time[2]) / 1000)
        local counted = (tonumber(redis.call('GET', KEYS[2])) or 0) + 1
        if counted > epoch then epoch = counted end
        if previous + 1 > epoch then epoch = previous + 1 end
        local floor = tonumber(ARGV[4]) or 0
        if floor > epoch then epoch = floor end
        epoch = string.format('%d', epoch)
        redis.call('SET', KEYS[2], epoch, 'PX', ARGV[3])
        local value = ARGV[1] .. '|' .. epoch
        redis.call('SET', KEYS[1], value, 'PX', ARGV[3])
        redis.call('SET', KEYS[4], epoch .. ':0', 'PX', ARGV[3])
        if current then return {1, value, 1} end
        return {1, value, 0}
        """;

    /// <summary>
    /// Renews the holder's keys for another lifetime, only while the caller still holds the socket. Returns 0 when it
    /// does not (another relay holds it, or the keys lapsed): the claim is settled again.
    /// KEYS: owner, epoch, status, published. ARGV: holder value, key lifetime in milliseconds.
    /// </summary>
    public const string Renew = """
        if redis.call('GET', KEYS[1]) == ARGV[1] then
          redis.call('PEXPIRE', KEYS[1], ARGV[2])
          redis.call('PEXPIRE', KEYS[2], ARGV[2])
          redis.call('PEXPIRE', KEYS[3], ARGV[2])
          redis.call('PEXPIRE', KEYS[4], ARGV[2])
          return 1
        end
        return 0
        """;

    /// <summary>
    /// Publishes a holder's envelope on the stream's channel and, only while the caller still holds the socket (a
    /// relay that lost its claim must not overwrite the new holder's), notes its position for relays subscribing
    /// from now on and, for a status, keeps it for tabs joining on other relays. One script, so a relay that reads
    /// the position after subscribing hears every envelope numbered after it.
    /// KEYS: owner, published, status. ARGV: holder value, envelope, key lifetime in milliseconds, position,
    /// channel, "1" for a status.
    /// </summary>
    public const string Publish = """
        if redis.call('GET', KEYS[1]) == ARGV[1] then
          redis.call('SET', KEYS[2], ARGV[4], 'PX', ARGV[3])
          if ARGV[6] == '1' then redis.call('SET', KEYS[3], ARGV[2], 'PX', ARGV[3]) end
        end
        return redis.call('PUBLISH', ARGV[5], ARGV[2])
        """;

    /// <summary>
    /// Lets go of the socket if the caller still holds it: the owner, status and position go at once, the epoch after
    /// <see cref="ClusterKeys.EndedStreamLifetime"/> (see <see cref="Claim"/>).
    /// KEYS: owner, status, epoch, published. ARGV: holder value, the epoch's remaining lifetime in milliseconds.
    /// </summary>
    public const string Release = """
        if redis.call('GET', KEYS[1]) == ARGV[1] then
          redis.call('DEL', KEYS[1], KEYS[2], KEYS[4])
          redis.call('PEXPIRE', KEYS[3], ARGV[2])
          return 1
        end
        return 0
        """;
}
