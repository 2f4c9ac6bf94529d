namespace Reflector.Relay.Cluster;

/// <summary>
/// The other relays with connections of a stream, as its holder last read them from Redis: while any of them lives,
/// the holder keeps the socket open for them.
/// </summary>
internal sealed class StreamInterest(string nodeId)
{
    private readonly Lock _lock = new();
    private HashSet<string> _others = new(StringComparer.Ordinal);

    /// <summary>Whether a relay other than this one that <paramref name="isLive"/> has connections of the stream.</summary>
    public bool AnyLive(Func<string, bool> isLive)
    {
        lock (_lock)
        {
            return _others.Any(isLive);
        }
    }

    /// <summary>Takes the interested relays read from Redis; this relay among them is left out.</summary>
    public void Replace(IEnumerable<string> nodes)
    {
        var others = new HashSet<string>(nodes.Where(node => node != nodeId), StringComparer.Ordinal);
        lock (_lock)
        {
            _others = others;
        }
    }

    /// <summary>Forgets relays found dead.</summary>
    /// <returns><see langword="true"/> when one of them was interested.</returns>
    public bool Forget(IReadOnlySet<string> dead)
    {
        lock (_lock)
        {
            return _others.RemoveWhere(dead.Contains) > 0;
        }
    }
}
