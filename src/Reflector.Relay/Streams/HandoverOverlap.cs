namespace Reflector.Relay.Streams;

/// <summary>
/// Where this relay's own socket and another relay's meet when the other takes the stream over. Both sockets hear
/// the same upstream, but the other's messages come later (through Redis), so the first ones heard from it after the
/// switch may be the ones this relay's socket told its connections just before. Reflector's events carry no id: the
/// two are lined up by value, and any doubt gives the lining up away (a duplicate is then possible, a loss is not).
/// </summary>
/// <remarks>
/// Only messages from the upstream are noted; the switch itself is told as a <c>resync</c> elsewhere, so a message
/// the other relay had already sent before the switch is covered too.
/// </remarks>
internal sealed class HandoverOverlap<TMessage>(int capacity = HandoverOverlap<TMessage>.DefaultCapacity)
    where TMessage : class
{
    /// <summary>How many of its own socket's last messages this relay remembers: far more than Redis's delay holds.</summary>
    public const int DefaultCapacity = 64;

    private readonly Lock _lock = new();
    // This relay's socket's last messages, oldest first; empty once the other relay's stream has been lined up.
    private readonly List<TMessage> _told = [];
    // How many of _told the other relay has repeated so far, from where its first message matched; -1 before that.
    private int _matchedUpTo = -1;

    /// <summary>This relay's own socket told its connections <paramref name="message"/>.</summary>
    public void Told(TMessage message)
    {
        lock (_lock)
        {
            if (_matchedUpTo >= 0)
            {
                // Told after the other relay's stream was lined up (a delivery under way at the switch): what is
                // repeated of it is still to be skipped, and only that.
                _told.RemoveRange(0, _matchedUpTo + 1);
                _matchedUpTo = -1;
            }

            if (_told.Count == capacity)
            {
                _told.RemoveAt(0);
            }

            _told.Add(message);
        }
    }

    /// <summary>This relay holds the stream again: what its socket told before says nothing about the next switch.</summary>
    public void Clear()
    {
        lock (_lock)
        {
            _told.Clear();
            _matchedUpTo = -1;
        }
    }

    /// <summary>
    /// Whether <paramref name="message"/>, heard from the relay that took over, repeats one this relay's socket
    /// already told; anything that does not line up ends the matching, and everything after it is passed on.
    /// </summary>
    public bool IsRepeat(TMessage message)
    {
        lock (_lock)
        {
            if (_told.Count == 0)
            {
                return false;
            }

            int at;
            if (_matchedUpTo < 0)
            {
                at = _told.FindIndex(told => told.Equals(message));
                if (at < 0 || _told.FindLastIndex(told => told.Equals(message)) != at)
                {
                    // No overlap, or more than one place it could match: nothing to skip.
                    _told.Clear();
                    return false;
                }
            }
            else
            {
                at = _matchedUpTo + 1;
                if (!_told[at].Equals(message))
                {
                    _told.Clear();
                    _matchedUpTo = -1;
                    return false;
                }
            }

            if (at == _told.Count - 1)
            {
                // Caught up with what this relay's socket told: from here on the other relay's stream is new.
                _told.Clear();
                _matchedUpTo = -1;
            }
            else
            {
                _matchedUpTo = at;
            }

            return true;
        }
    }
}
