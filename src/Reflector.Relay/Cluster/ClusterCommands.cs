using StackExchange.Redis;

namespace Reflector.Relay.Cluster;

/// <summary>
/// The Redis commands on a stream's keys and channel: the scripts of <see cref="ClusterScripts"/>, this relay's
/// interest, and publishing. Those a claim waits for throw when Redis cannot answer; those sent fire and forget log
/// a failure and go on.
/// </summary>
internal sealed class ClusterCommands(
    ClusterConnection connection,
    ClusterKeys keys,
    ClusterOptions options,
    Diagnostics.RelayMetrics metrics,
    ILogger logger)
{
    private RedisValue KeyLifetimeMs => (long)options.KeyLifetime.TotalMilliseconds;

    private IDatabase Database => connection.Database;

    /// <summary>Runs the claim script; throws when Redis cannot answer.</summary>
    /// <param name="epochFloor">One more than the newest epoch the claimant heard of the stream: see <see cref="ClusterScripts.Claim"/>.</param>
    public async Task<ClaimResult> TryClaimAsync(ClusterStream stream, string holderId, long epochFloor)
    {
        var result = (RedisResult[])(await Database.ScriptEvaluateAsync(
            ClusterScripts.Claim,
            [keys.Owner(stream.Name), keys.Epoch(stream.Name), keys.Status(stream.Name), keys.Published(stream.Name)],
            [holderId, keys.NodePrefix, KeyLifetimeMs, epochFloor]).ConfigureAwait(false))!;
        var value = (string)result[1]!;
        return new ClaimResult((int)result[0] == 1, value, (int)result[2] == 1);
    }

    /// <summary>
    /// Renews the keys of a claim this relay holds for another <see cref="ClusterOptions.KeyLifetime"/>; false when
    /// it no longer holds it in Redis. Throws when Redis cannot answer.
    /// </summary>
    public async Task<bool> RenewHoldAsync(ClusterStream stream, string holderValue) =>
        (int)await Database.ScriptEvaluateAsync(
            ClusterScripts.Renew,
            [keys.Owner(stream.Name), keys.Epoch(stream.Name), keys.Status(stream.Name), keys.Published(stream.Name)],
            [holderValue, KeyLifetimeMs]).ConfigureAwait(false) == 1;

    /// <summary>Frees the claim if it still holds, and says so on the channel; false when Redis could not take it.</summary>
    public async Task<bool> TryReleaseAsync(ClaimRelease release)
    {
        if (!connection.IsConnected)
        {
            return false;
        }

        var stream = release.Stream;
        try
        {
            // An epoch shorter-lived than the stream's other keys would be no safer: see ClusterScripts.Claim.
            var epochLifetime = ClusterKeys.EndedStreamLifetime < options.KeyLifetime ? ClusterKeys.EndedStreamLifetime : options.KeyLifetime;
            await Database.ScriptEvaluateAsync(
                ClusterScripts.Release,
                [keys.Owner(stream.Name), keys.Status(stream.Name), keys.Epoch(stream.Name), keys.Published(stream.Name)],
                [release.HolderValue, (long)epochLifetime.TotalMilliseconds]).ConfigureAwait(false);
            connection.Subscriber.Publish(
                keys.Channel(stream.Name), new ClusterSignal(release.HolderId, 0, 0, ClusterMessageKind.Released).ToJson(), CommandFlags.FireAndForget);
            return true;
        }
        catch (Exception exception) when (exception is RedisException or TimeoutException)
        {
            ClusterCommandsLog.PublishFailed(logger, stream.UserId, stream.TranscriptId, exception.Message);
            return false;
        }
    }

    public async Task<string[]> InterestedNodesAsync(ClusterStream stream) =>
        [.. (await Database.SetMembersAsync(keys.Interested(stream.Name)).ConfigureAwait(false)).Select(member => (string)member!)];

    /// <summary>
    /// What a relay that has just subscribed to the stream's channel needs to follow it: the holder's last status,
    /// and where its numbering stood (null when no holder has said, or the keys lapsed).
    /// </summary>
    public async Task<(RedisValue Status, HolderPosition? Published)> JoinPointAsync(ClusterStream stream)
    {
        var values = await Database.StringGetAsync([keys.Status(stream.Name), keys.Published(stream.Name)]).ConfigureAwait(false);
        return (values[0], HolderPosition.TryParse(values[1], out var published) ? published : null);
    }

    /// <summary>
    /// Publishes what the holder says, numbered at <paramref name="position"/>, and notes that position (and a status)
    /// in Redis while <paramref name="holderValue"/> still holds the claim. Fire and forget: ordered after every
    /// earlier command on the same connection, never waited for. Not sent while Redis is away: the number is spent
    /// all the same, so a follower hears it skipped.
    /// </summary>
    public void Publish(ClusterStream stream, string json, string holderValue, HolderPosition position, bool isStatus)
    {
        if (!connection.IsConnected)
        {
            return;
        }

        try
        {
            Database.ScriptEvaluate(
                ClusterScripts.Publish,
                [keys.Owner(stream.Name), keys.Published(stream.Name), keys.Status(stream.Name)],
                [holderValue, json, KeyLifetimeMs, position.ToString(), (string)keys.Channel(stream.Name)!, isStatus ? "1" : "0"],
                CommandFlags.FireAndForget);
            metrics.ClusterMessagePublished();
        }
        catch (RedisException exception)
        {
            ClusterCommandsLog.PublishFailed(logger, stream.UserId, stream.TranscriptId, exception.Message);
        }
    }

    /// <summary>
    /// Adds this relay to the stream's interested relays, or takes it out (the last relay to leave empties the set,
    /// and Redis deletes an empty set), and says so on the channel: a holder reads the set only when told.
    /// </summary>
    /// <param name="sender">Who the signal is from: the claim that joined or left, or this relay.</param>
    public void SayInterest(ClusterStream stream, string sender, bool joined)
    {
        if (!connection.IsConnected)
        {
            // Said again for every stream when Redis comes back.
            return;
        }

        try
        {
            var key = keys.Interested(stream.Name);
            if (joined)
            {
                Database.SetAdd(key, options.NodeId, CommandFlags.FireAndForget);
                Database.KeyExpire(key, options.KeyLifetime, CommandFlags.FireAndForget);
            }
            else
            {
                Database.SetRemove(key, options.NodeId, CommandFlags.FireAndForget);
            }

            connection.Subscriber.Publish(
                keys.Channel(stream.Name), new ClusterSignal(sender, 0, 0, ClusterMessageKind.Interest).ToJson(), CommandFlags.FireAndForget);
        }
        catch (RedisException exception)
        {
            ClusterCommandsLog.PublishFailed(logger, stream.UserId, stream.TranscriptId, exception.Message);
        }
    }

    /// <summary>
    /// Says again, after Redis returned, that this relay has connections of the stream: in the set, and on the channel
    /// (a holder reads the set only when told, and would otherwise let go of a stream whose connections on this relay
    /// it no longer knows about). Throws when Redis cannot take it, so the rejoin is tried again.
    /// </summary>
    public void SayInterestAgain(ClusterStream stream)
    {
        var key = keys.Interested(stream.Name);
        Database.SetAdd(key, options.NodeId, CommandFlags.FireAndForget);
        Database.KeyExpire(key, options.KeyLifetime, CommandFlags.FireAndForget);
        connection.Subscriber.Publish(
            keys.Channel(stream.Name), new ClusterSignal(options.NodeId, 0, 0, ClusterMessageKind.Interest).ToJson(), CommandFlags.FireAndForget);
    }

    /// <summary>
    /// Keeps the set of relays interested in a stream for another <see cref="ClusterOptions.KeyLifetime"/>. Never
    /// adds this relay to it: a renewal sent just after this relay left would otherwise bring it back for good.
    /// </summary>
    public void RenewInterest(ClusterStream stream)
    {
        if (!connection.IsConnected)
        {
            return;
        }

        try
        {
            Database.KeyExpire(keys.Interested(stream.Name), options.KeyLifetime, CommandFlags.FireAndForget);
        }
        catch (RedisException exception)
        {
            ClusterCommandsLog.PublishFailed(logger, stream.UserId, stream.TranscriptId, exception.Message);
        }
    }
}

/// <summary>What the claim script answered.</summary>
/// <param name="HolderValue">The holder's value in Redis, <c>{node}/{claim}|{epoch}</c>: the caller's when it won.</param>
internal readonly record struct ClaimResult(bool Won, string HolderValue, bool TookOverFromDeadRelay)
{
    /// <summary>The relay of the holder named in <see cref="HolderValue"/>.</summary>
    public string HolderNode => HolderValue[..HolderValue.IndexOf('/', StringComparison.Ordinal)];
}
