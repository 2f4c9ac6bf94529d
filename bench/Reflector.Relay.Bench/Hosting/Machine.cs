using System.Diagnostics;
using System.Runtime.InteropServices;

namespace Reflector.Relay.Bench.Hosting;

internal static class Machine
{
    public static string Describe()
    {
        var memory = File.ReadLines("/proc/meminfo").FirstOrDefault(l => l.StartsWith("MemTotal:", StringComparison.Ordinal))?
            .Split(' ', StringSplitOptions.RemoveEmptyEntries)[1];
        var memoryGb = long.TryParse(memory, out var kb) ? kb / 1048576.0 : 0;
        return FormattableString.Invariant(
            $"{Environment.ProcessorCount} CPUs, {memoryGb:0.#} GB RAM, {RuntimeInformation.OSDescription}, .NET {Environment.Version}, load average {LoadAverage()}, commit {Commit()}");
    }

    private static string LoadAverage()
    {
        try
        {
            return string.Join(' ', File.ReadAllText("/proc/loadavg").Split(' ').Take(3));
        }
        catch (IOException)
        {
            return "?";
        }
    }

    private static string Commit()
    {
        try
        {
            using var git = Process.Start(new ProcessStartInfo("git", ["-C", Repository.Root, "rev-parse", "--short", "HEAD"]) { RedirectStandardOutput = true, RedirectStandardError = true });
            var sha = git?.StandardOutput.ReadToEnd().Trim();
            git?.WaitForExit();
            return string.IsNullOrEmpty(sha) ? "?" : sha;
        }
        catch (System.ComponentModel.Win32Exception)
        {
            return "?";
        }
    }
}
