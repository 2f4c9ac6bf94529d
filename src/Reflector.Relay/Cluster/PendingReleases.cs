using System.Collections.Concurrent;

namespace Reflector.Relay.Cluster;

/// <summary>
/// Releases Redis could not take when they were made, retried at every heartbeat until it does: a claim names a
/// live relay, so nothing but its holder's own release would ever free it.
/// </summary>
internal sealed class PendingReleases(Func<ClaimRelease, Task<bool>> tryRelease)
{
    private readonly ConcurrentDictionary<(string Stream, string HolderValue), ClaimRelease> _pending = new();

    public int Count => _pending.Count;

    /// <summary>Releases now or, when Redis cannot take it now, at a later <see cref="RetryAsync"/>.</summary>
    public async Task ReleaseOrRetryLaterAsync(ClaimRelease release)
    {
        if (!await tryRelease(release).ConfigureAwait(false))
        {
            _pending[(release.Stream.Name, release.HolderValue)] = release;
        }
    }

    /// <summary>Tries every release still pending once; those Redis takes are done.</summary>
    public async Task RetryAsync()
    {
        foreach (var (key, release) in _pending)
        {
            if (await tryRelease(release).ConfigureAwait(false))
            {
                _pending.TryRemove(key, out _);
            }
        }
    }
}

/// <summary>A claim to let go of: <paramref name="HolderValue"/> as it stands in Redis, <paramref name="HolderId"/> the claim's name.</summary>
internal sealed record ClaimRelease(ClusterStream Stream, string HolderId, string HolderValue);
