using System.Runtime.InteropServices;

namespace Reflector.Relay.Bench.Hosting;

/// <summary>The few libc calls .NET does not wrap: the open-file limit, and SIGTERM for a graceful stop.</summary>
internal static partial class Native
{
    private const int RlimitNofile = 7;
    private const int Sigterm = 15;

    [StructLayout(LayoutKind.Sequential)]
    private struct Rlimit
    {
        public ulong Current;
        public ulong Maximum;
    }

    public static (ulong Soft, ulong Hard) OpenFileLimit()
    {
        var limit = default(Rlimit);
        return GetRlimit(RlimitNofile, ref limit) == 0 ? (limit.Current, limit.Maximum) : (0, 0);
    }

    /// <summary>Raises the soft limit (and the hard one, when allowed) to at least <paramref name="wanted"/>; children inherit it.</summary>
    public static bool TryRaiseOpenFileLimit(ulong wanted)
    {
        var (soft, hard) = OpenFileLimit();
        if (soft >= wanted)
        {
            return true;
        }

        var raised = new Rlimit { Current = wanted, Maximum = Math.Max(hard, wanted) };
        if (SetRlimit(RlimitNofile, ref raised) == 0)
        {
            return true;
        }

        raised = new Rlimit { Current = Math.Min(wanted, hard), Maximum = hard };
        return SetRlimit(RlimitNofile, ref raised) == 0 && raised.Current >= wanted;
    }

    public static bool Terminate(int pid) => Kill(pid, Sigterm) == 0;

    [LibraryImport("libc", EntryPoint = "getrlimit", SetLastError = true)]
    private static partial int GetRlimit(int resource, ref Rlimit limit);

    [LibraryImport("libc", EntryPoint = "setrlimit", SetLastError = true)]
    private static partial int SetRlimit(int resource, ref Rlimit limit);

    [LibraryImport("libc", EntryPoint = "kill", SetLastError = true)]
    private static partial int Kill(int pid, int signal);
}
