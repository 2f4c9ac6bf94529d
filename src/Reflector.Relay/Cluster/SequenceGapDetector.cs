namespace Reflector.Relay.Cluster;

/// <summary>
/// A follower's check that it heard every message of the holder. The holder numbers its messages from 1 in each
/// epoch: a number skipped is a message lost on the way (a pub/sub connection dropped and resubscribed, an output
/// buffer cut), whatever the cause.
/// </summary>
internal sealed class SequenceGapDetector
{
    private readonly Lock _lock = new();
    // The holder's last message heard: the next one must come right after it.
    private (long Epoch, long Sequence)? _heard;

    /// <summary>Notes a message heard on the channel.</summary>
    /// <returns><see langword="true"/> when messages were missed before it.</returns>
    public bool Observe(long epoch, long sequence)
    {
        lock (_lock)
        {
            var gap = _heard is { } heard && (epoch == heard.Epoch ? sequence > heard.Sequence + 1 : sequence != 1);
            if (_heard is not { } last || (epoch, sequence).CompareTo(last) > 0)
            {
                _heard = (epoch, sequence);
            }

            return gap;
        }
    }

    /// <summary>
    /// Where the holder's numbering stood when this relay subscribed: the next message must come right after it, so
    /// a lost first message is a gap too. Never moves the count back.
    /// </summary>
    public void StartAt(long epoch, long sequence)
    {
        lock (_lock)
        {
            if (_heard is not { } heard || (epoch, sequence).CompareTo(heard) > 0)
            {
                _heard = (epoch, sequence);
            }
        }
    }

    /// <summary>This relay holds the stream now: what it heard as a follower says nothing about what comes next.</summary>
    public void Reset()
    {
        lock (_lock)
        {
            _heard = null;
        }
    }
}
