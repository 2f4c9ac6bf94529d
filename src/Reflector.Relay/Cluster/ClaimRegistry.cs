namespace Reflector.Relay.Cluster;

/// <summary>
/// This relay's claims, and how many of them each stream has: the relay's interest in a stream begins with its
/// first claim there and ends with its last.
/// </summary>
internal sealed class ClaimRegistry
{
    private readonly Lock _lock = new();
    private readonly HashSet<IRedisClaim> _claims = [];
    private readonly Dictionary<string, (ClusterStream Stream, int Claims)> _streams = new(StringComparer.Ordinal);

    /// <returns><see langword="true"/> for the first claim of its stream here: the relay's interest begins.</returns>
    public bool Add(IRedisClaim claim)
    {
        lock (_lock)
        {
            _claims.Add(claim);
            var first = !_streams.TryGetValue(claim.Stream.Name, out var entry);
            _streams[claim.Stream.Name] = (claim.Stream, entry.Claims + 1);
            return first;
        }
    }

    /// <returns><see langword="true"/> for the last claim of its stream here: the relay's interest ends.</returns>
    public bool Remove(IRedisClaim claim)
    {
        lock (_lock)
        {
            _claims.Remove(claim);
            if (!_streams.TryGetValue(claim.Stream.Name, out var entry) || entry.Claims <= 1)
            {
                _streams.Remove(claim.Stream.Name);
                return true;
            }

            _streams[claim.Stream.Name] = (entry.Stream, entry.Claims - 1);
            return false;
        }
    }

    /// <summary>Whether this relay has no claim of the stream but one.</summary>
    public bool IsOnlyClaimOn(ClusterStream stream)
    {
        lock (_lock)
        {
            return !_streams.TryGetValue(stream.Name, out var entry) || entry.Claims <= 1;
        }
    }

    public List<IRedisClaim> Claims()
    {
        lock (_lock)
        {
            return [.. _claims];
        }
    }

    /// <summary>The streams this relay has claims of: those it is interested in.</summary>
    public List<ClusterStream> Streams()
    {
        lock (_lock)
        {
            return [.. _streams.Values.Select(entry => entry.Stream)];
        }
    }
}
