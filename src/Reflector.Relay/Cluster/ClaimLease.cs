using System.Globalization;

namespace Reflector.Relay.Cluster;

/// <summary>
/// A claim's hold on its stream's socket: none; a fallback (granted while Redis was away, serving this relay's own
/// connections alone); or a claim won in Redis under an epoch, which numbers what it publishes from 1.
/// </summary>
internal sealed class ClaimLease(EpochFence fence)
{
    private readonly Lock _lock = new();
    private CancellationTokenSource? _lease;
    // "holder|epoch" as stored in Redis while the claim is won; null for a fallback lease.
    private string? _holderValue;
    private long _epoch;
    private long _sequence;

    public bool IsHolding
    {
        get
        {
            lock (_lock)
            {
                return _lease is not null;
            }
        }
    }

    /// <summary>A socket held while Redis was away (or a claim failed on a timeout): to be settled when Redis answers.</summary>
    public bool HoldsFallback
    {
        get
        {
            lock (_lock)
            {
                return _lease is not null && _holderValue is null;
            }
        }
    }

    /// <summary>The won claim's value in Redis; <see langword="null"/> when not holding or holding a fallback.</summary>
    public string? HolderValue
    {
        get
        {
            lock (_lock)
            {
                return _lease is null ? null : _holderValue;
            }
        }
    }

    /// <summary>
    /// A fallback lease always may: nobody else can be serving this relay's tabs while Redis is away. A won claim may
    /// not while this relay's <paramref name="presenceLapsed"/>: another relay may hold the socket already.
    /// </summary>
    public bool MayDeliver(bool presenceLapsed)
    {
        lock (_lock)
        {
            return _lease is not null && (_holderValue is null || !presenceLapsed);
        }
    }

    /// <summary>Not released, lost or settled anew since <paramref name="holderValue"/> was read.</summary>
    public bool StillHolds(string holderValue)
    {
        lock (_lock)
        {
            return _lease is not null && _holderValue == holderValue;
        }
    }

    /// <summary>Holds the socket: under a won claim's <paramref name="holderValue"/>, or a fallback when null.</summary>
    /// <returns>Cancelled when the hold is lost to another relay.</returns>
    public CancellationToken Grant(string? holderValue)
    {
        var lease = new CancellationTokenSource();
        lock (_lock)
        {
            _lease = lease;
            _holderValue = holderValue;
            if (holderValue is not null)
            {
                _epoch = EpochOf(holderValue);
                fence.Raise(_epoch);
                // Numbered from 1 in each epoch, so followers can tell a gap from a new holder.
                _sequence = 0;
            }
        }

        return lease.Token;
    }

    /// <summary>Lets go: returns the hold's token source to cancel, and the claim to free in Redis if it was won.</summary>
    public (CancellationTokenSource? Lease, string? HolderValue) Take()
    {
        lock (_lock)
        {
            var taken = (_lease, _holderValue);
            _lease = null;
            _holderValue = null;
            return taken;
        }
    }

    /// <summary>Applies what the claim script answered when the hold was settled after Redis returned.</summary>
    /// <param name="hearsHolder">Whether this relay would hear another holder: if not, its tabs keep its own socket.</param>
    /// <param name="lost">For <see cref="SettleOutcome.Lost"/>: the hold's token source, to cancel.</param>
    public SettleOutcome Settle(ClaimResult result, bool hearsHolder, out CancellationTokenSource? lost)
    {
        lost = null;
        lock (_lock)
        {
            if (_lease is null)
            {
                return SettleOutcome.ReleasedMeanwhile;
            }

            if (result.Won)
            {
                _holderValue = result.HolderValue;
                var epoch = EpochOf(result.HolderValue);
                if (epoch != _epoch)
                {
                    // Receivers expect a new epoch's messages from 1: anything else they take for a gap.
                    _sequence = 0;
                }

                _epoch = epoch;
                fence.Raise(epoch);
                return SettleOutcome.Held;
            }

            _holderValue = null;
            if (!hearsHolder)
            {
                // Lost, but this relay cannot hear the holder yet: its tabs keep its own socket (a fallback lease,
                // settled again at every heartbeat) until they can.
                return SettleOutcome.KeptAsFallback;
            }

            lost = _lease;
            _lease = null;
            return SettleOutcome.Lost;
        }
    }

    /// <summary>Numbers the next message published under the won claim; false when there is none to speak for the stream.</summary>
    public bool TryNumber(out string holderValue, out long epoch, out long sequence)
    {
        lock (_lock)
        {
            // Only a won claim speaks for the stream; a fallback lease serves this relay's connections alone.
            if (_lease is null || _holderValue is null)
            {
                (holderValue, epoch, sequence) = (string.Empty, 0, 0);
                return false;
            }

            (holderValue, epoch, sequence) = (_holderValue, _epoch, ++_sequence);
            return true;
        }
    }

    public static long EpochOf(string holderValue) =>
        long.Parse(holderValue.AsSpan(holderValue.LastIndexOf('|') + 1), CultureInfo.InvariantCulture);
}

internal enum SettleOutcome
{
    /// <summary>Let go while the claim was being settled: a win must be released again.</summary>
    ReleasedMeanwhile,

    /// <summary>The claim still wins: the socket stays, under the epoch Redis answered.</summary>
    Held,

    /// <summary>Lost, but this relay cannot hear the holder yet: it keeps serving its own tabs.</summary>
    KeptAsFallback,

    /// <summary>Another relay holds the socket: this one lets go.</summary>
    Lost,
}
