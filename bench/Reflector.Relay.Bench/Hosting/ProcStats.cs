using System.Globalization;

namespace Reflector.Relay.Bench.Hosting;

/// <summary>A process's memory and CPU, read from /proc.</summary>
internal readonly record struct ProcStats(long RssBytes, long PeakRssBytes, double CpuSeconds)
{
    private const double ClockTicksPerSecond = 100; // USER_HZ: 100 on every Linux this runs on.

    public static ProcStats Read(int pid)
    {
        try
        {
            long rss = 0, peak = 0;
            foreach (var line in File.ReadLines($"/proc/{pid}/status"))
            {
                if (line.StartsWith("VmRSS:", StringComparison.Ordinal))
                {
                    rss = Kilobytes(line);
                }
                else if (line.StartsWith("VmHWM:", StringComparison.Ordinal))
                {
                    peak = Kilobytes(line);
                }
            }

            // Fields after the parenthesised command name: utime and stime are the 14th and 15th of the line.
            var stat = File.ReadAllText($"/proc/{pid}/stat");
            var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
            var ticks = long.Parse(fields[11], CultureInfo.InvariantCulture) + long.Parse(fields[12], CultureInfo.InvariantCulture);
            return new ProcStats(rss, peak, ticks / ClockTicksPerSecond);
        }
        catch (Exception exception) when (exception is IOException or UnauthorizedAccessException)
        {
            return default; // The process is gone.
        }
    }

    private static long Kilobytes(string line) =>
        long.Parse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1], CultureInfo.InvariantCulture) * 1024;
}
