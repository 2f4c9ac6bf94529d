using System.Buffers.Text;

namespace Reflector.Relay.Bench.Clients;

/// <summary>
/// The stamp the simulated Reflector writes into a stamped load's event id, which every system relays unchanged
/// (Reflector's <c>data.id</c>, the relay's <c>transcriptId</c>): <c>{runId}:{sequence}:{sentAtMicros}</c>.
/// </summary>
internal static class LoadStamp
{
    /// <summary>Splits a stamp into its event id (<c>{runId}:{sequence}</c>) and its send time in microseconds since the Unix epoch.</summary>
    public static bool TrySplit(ReadOnlySpan<byte> stamp, out ReadOnlySpan<byte> id, out double sentAtMicros)
    {
        var last = stamp.LastIndexOf((byte)':');
        if (last > 0 && stamp[..last].IndexOf((byte)':') > 0 &&
            Utf8Parser.TryParse(stamp[(last + 1)..], out long micros, out var used) && used == stamp.Length - last - 1)
        {
            id = stamp[..last];
            sentAtMicros = micros;
            return true;
        }

        id = default;
        sentAtMicros = 0;
        return false;
    }
}
