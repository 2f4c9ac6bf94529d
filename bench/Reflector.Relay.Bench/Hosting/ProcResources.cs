using System.Globalization;

namespace Reflector.Relay.Bench.Hosting;

/// <summary>What a process holds right now, read from /proc: resident memory, threads, open file descriptors.</summary>
internal readonly record struct ProcResources(long RssBytes, int Threads, int OpenFiles)
{
    public double RssMb => RssBytes / 1048576.0;

    /// <returns>The figures, or null when the process is gone.</returns>
    public static ProcResources? Read(int pid)
    {
        try
        {
            long rss = 0;
            var threads = 0;
            foreach (var line in File.ReadLines($"/proc/{pid}/status"))
            {
                if (line.StartsWith("VmRSS:", StringComparison.Ordinal))
                {
                    rss = long.Parse(Value(line), CultureInfo.InvariantCulture) * 1024;
                }
                else if (line.StartsWith("Threads:", StringComparison.Ordinal))
                {
                    threads = int.Parse(Value(line), CultureInfo.InvariantCulture);
                }
            }

            // Sockets, the epoll instance, pipes, log files: every one is an entry here.
            var files = Directory.EnumerateFileSystemEntries($"/proc/{pid}/fd").Count();
            return new ProcResources(rss, threads, files);
        }
        catch (Exception exception) when (exception is IOException or UnauthorizedAccessException)
        {
            return null;
        }
    }

    private static string Value(string line) => line.Split(' ', '\t', StringSplitOptions.RemoveEmptyEntries)[1];
}
