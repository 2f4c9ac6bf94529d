using System.Diagnostics;

namespace Reflector.Relay.Bench.Hosting;

/// <summary>
/// The last few lines a child process wrote, kept to explain its failure when it exits or stops answering.
/// Lines arrive on the process's output threads while the bench reads them from its own, hence the lock.
/// </summary>
internal sealed class RecentLines(int kept)
{
    private readonly Queue<string> _lines = new();
    private readonly Lock _linesLock = new();

    /// <summary>Starts <paramref name="start"/> (output and error redirected) with what it prints kept here.</summary>
    public Process Start(ProcessStartInfo start, string name)
    {
        var process = Process.Start(start) ?? throw new InvalidOperationException($"{name} did not start.");
        process.OutputDataReceived += (_, line) => Keep(line.Data);
        process.ErrorDataReceived += (_, line) => Keep(line.Data);
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return process;
    }

    /// <summary>Keeps <paramref name="line"/>, letting go of the oldest beyond the number kept; null (the stream ended) is ignored.</summary>
    public void Keep(string? line)
    {
        if (line is null)
        {
            return;
        }

        lock (_linesLock)
        {
            _lines.Enqueue(line);
            if (_lines.Count > kept)
            {
                _lines.Dequeue();
            }
        }
    }

    /// <summary>The lines kept, oldest first, one per line.</summary>
    public override string ToString()
    {
        lock (_linesLock)
        {
            return string.Join(Environment.NewLine, _lines);
        }
    }
}
