using System.Globalization;

namespace Reflector.Relay.Cluster;

/// <summary>
/// Where a holder's numbering stands: the epoch and number of the last envelope it published, kept in Redis as
/// <c>{epoch}:{sequence}</c> (see <see cref="ClusterKeys.Published"/>).
/// </summary>
internal readonly record struct HolderPosition(long Epoch, long Sequence)
{
    public override string ToString() =>
        string.Create(CultureInfo.InvariantCulture, $"{Epoch}:{Sequence}");

    /// <summary>Reads what <see cref="ToString"/> wrote; anything else (a missing key included) is no position.</summary>
    public static bool TryParse(string? text, out HolderPosition position)
    {
        position = default;
        if (text is null || text.IndexOf(':', StringComparison.Ordinal) is not (> 0 and var colon)
            || !long.TryParse(text.AsSpan(0, colon), NumberStyles.None, CultureInfo.InvariantCulture, out var epoch)
            || !long.TryParse(text.AsSpan(colon + 1), NumberStyles.None, CultureInfo.InvariantCulture, out var sequence))
        {
            return false;
        }

        position = new HolderPosition(epoch, sequence);
        return true;
    }
}
