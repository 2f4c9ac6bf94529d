namespace Reflector.Relay.Cluster;

/// <summary>
/// The newest epoch a claim has heard or held of its stream. What comes from an older epoch is from a relay that lost
/// its claim (paused, or cut off, it may still publish for a moment) and is dropped; and a claim this relay makes
/// asks for an epoch above the newest it knows, so a Redis restarted empty on a clock behind cannot fence the new
/// holder out (see <see cref="ClusterScripts.Claim"/>).
/// </summary>
internal sealed class EpochFence
{
    private readonly Lock _lock = new();
    private long _newest;

    public long Newest
    {
        get
        {
            lock (_lock)
            {
                return _newest;
            }
        }
    }

    /// <summary>One more than the newest epoch: the least a new claim's epoch may be.</summary>
    public long Floor
    {
        get
        {
            lock (_lock)
            {
                return _newest + 1;
            }
        }
    }

    /// <summary>Lets through what comes under <paramref name="epoch"/> unless a newer epoch was heard; it is the newest then.</summary>
    public bool Admit(long epoch)
    {
        lock (_lock)
        {
            if (epoch < _newest)
            {
                return false;
            }

            _newest = epoch;
            return true;
        }
    }

    /// <summary>This relay holds the stream under <paramref name="epoch"/>.</summary>
    public void Raise(long epoch)
    {
        lock (_lock)
        {
            _newest = Math.Max(_newest, epoch);
        }
    }
}
