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

    /// <summary>
    /// Open file descriptors by what they point at: <c>socket</c>, <c>pipe</c>, <c>anon_inode:[eventpoll]</c>, …,
    /// and <c>file</c> for paths: where to look when the count grows.
    /// </summary>
    public static SortedDictionary<string, int> OpenFilesByKind(int pid)
    {
        var kinds = new SortedDictionary<string, int>(StringComparer.Ordinal);
        try
        {
            foreach (var entry in Directory.EnumerateFileSystemEntries($"/proc/{pid}/fd"))
            {
                string kind;
                try
                {
                    var target = new FileInfo(entry).LinkTarget ?? "?";
                    kind = target.StartsWith('/') ? "file" : target.Split(':')[0] is var prefix && prefix == "anon_inode" ? target : prefix;
                }
                catch (IOException)
                {
                    continue; // Closed meanwhile.
                }

                kinds[kind] = kinds.GetValueOrDefault(kind) + 1;
            }
        }
        catch (Exception exception) when (exception is IOException or UnauthorizedAccessException)
        {
            // The process is gone.
        }

        return kinds;
    }

    private static string Value(string line) => line.Split([' ', '\t'], StringSplitOptions.RemoveEmptyEntries)[1];
}
