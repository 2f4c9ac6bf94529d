using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text;
using Reflector.Relay.Tests.Infrastructure;

namespace Reflector.Relay.Tests.Cluster.Infrastructure;

/// <summary>
/// Debian's <c>redis-server</c> as a child process on 127.0.0.1, with nothing persisted, so a test can kill it
/// and bring it back empty on the same port, as a restarted Redis looks to the relays.
/// </summary>
internal sealed class RedisServer : IAsyncDisposable
{
    public const string Executable = "/usr/bin/redis-server";

    private readonly ConcurrentQueue<string> _output = new();
    private readonly string _directory;
    private Process? _process;

    private RedisServer(int port, string directory)
    {
        Port = port;
        _directory = directory;
    }

    public int Port { get; }

    /// <summary>What <c>ConnectionStrings__Redis</c> takes.</summary>
    public string ConnectionString => $"127.0.0.1:{Port.ToString(CultureInfo.InvariantCulture)}";

    public bool IsRunning => _process is { HasExited: false };

    /// <summary>Everything the server printed, across restarts.</summary>
    public string Output => string.Join(Environment.NewLine, _output);

    public static async Task<RedisServer> StartAsync()
    {
        if (!File.Exists(Executable))
        {
            throw new InvalidOperationException(
                $"{Executable} is missing: the cluster tests run Debian's redis-server. Run the tests through tools/test, " +
                "which installs it when missing, or install it with `apt-get install redis-server`.");
        }

        // Its working directory, so nothing it might write lands in the test's output folder.
        var directory = Directory.CreateTempSubdirectory("relay-test-redis-").FullName;
        var server = new RedisServer(FreePort(), directory);
        try
        {
            await server.LaunchAsync();
            return server;
        }
        catch
        {
            await server.DisposeAsync();
            throw;
        }
    }

    /// <summary>SIGKILL, as a crashed Redis: no goodbye to any client. Returns once it has exited.</summary>
    public async Task KillAsync()
    {
        if (_process is not { HasExited: false } process)
        {
            return;
        }

        process.Kill();
        await process.WaitForExitAsync().DefaultTimeout();
    }

    /// <summary>
    /// SIGSTOP, as a frozen VM or a long fork looks to its clients: every socket open, nothing answered. Returns once
    /// the kernel reports it stopped.
    /// </summary>
    public async Task PauseAsync()
    {
        Signal("STOP");
        await TestTimeouts.Eventually(() => IsStopped, $"redis-server on port {Port} is stopped");
    }

    /// <summary>SIGCONT after <see cref="PauseAsync"/>; returns once it answers PING.</summary>
    public async Task ResumeAsync()
    {
        Signal("CONT");
        await WaitUntilReadyAsync(_process!);
    }

    private bool IsStopped =>
        _process is { HasExited: false } process
        && File.ReadAllText($"/proc/{process.Id.ToString(CultureInfo.InvariantCulture)}/stat").Split(") ")[1].StartsWith('T');

    private void Signal(string name)
    {
        using var kill = Process.Start("kill", [$"-{name}", _process!.Id.ToString(CultureInfo.InvariantCulture)])!;
        kill.WaitForExit();
        if (kill.ExitCode != 0)
        {
            throw new InvalidOperationException($"kill -{name} on redis-server failed (exit code {kill.ExitCode}).");
        }
    }

    /// <summary>Starts it again on the same port, with no keys (nothing was persisted); returns once it answers PING.</summary>
    public async Task RestartAsync()
    {
        await KillAsync();
        await LaunchAsync();
    }

    /// <summary>Runs one command, as <c>redis-cli</c> would, and returns its reply (string, long, null or an array of those).</summary>
    public async Task<object?> CommandAsync(params string[] arguments)
    {
        using var client = new TcpClient(AddressFamily.InterNetwork);
        await client.ConnectAsync(IPAddress.Loopback, Port).DefaultTimeout();
        var stream = client.GetStream();
        await stream.WriteAsync(Resp.Encode(arguments)).AsTask().DefaultTimeout();
        return await Resp.ReadReplyAsync(stream).DefaultTimeout();
    }

    public async Task<IReadOnlyList<string>> KeysAsync(string pattern = "*") =>
        [.. ((object?[])(await CommandAsync("KEYS", pattern))!).Cast<string>()];

    /// <summary>
    /// Every key in Redis, found with SCAN as an operator would (KEYS blocks a shared Redis), with its time to live in
    /// milliseconds: -1 for a key that never expires. A key that expires between the scan and its PTTL is left out.
    /// </summary>
    public async Task<IReadOnlyDictionary<string, long>> KeyLifetimesAsync()
    {
        var keys = new HashSet<string>(StringComparer.Ordinal);
        var cursor = "0";
        do
        {
            var reply = (object?[])(await CommandAsync("SCAN", cursor, "COUNT", "1000"))!;
            cursor = (string)reply[0]!;
            keys.UnionWith(((object?[])reply[1]!).Cast<string>());
        }
        while (cursor != "0");

        var lifetimes = new Dictionary<string, long>(StringComparer.Ordinal);
        foreach (var key in keys)
        {
            // -2: gone meanwhile.
            if ((long)(await CommandAsync("PTTL", key))! is var lifetime and not -2)
            {
                lifetimes[key] = lifetime;
            }
        }

        return lifetimes;
    }

    public async ValueTask DisposeAsync()
    {
        if (_process is not null)
        {
            await KillAsync();
            _process.Dispose();
        }

        Directory.Delete(_directory, recursive: true);
    }

    private async Task LaunchAsync()
    {
        _process?.Dispose();
        var start = new ProcessStartInfo(Executable)
        {
            WorkingDirectory = _directory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var argument in (string[])[
            "--port", Port.ToString(CultureInfo.InvariantCulture),
            "--bind", "127.0.0.1",
            "--protected-mode", "no",
            "--save", "",
            "--appendonly", "no",
            "--daemonize", "no",
            "--dir", _directory,
        ])
        {
            start.ArgumentList.Add(argument);
        }

        var process = new Process { StartInfo = start };
        process.OutputDataReceived += (_, line) => OnLine(line.Data);
        process.ErrorDataReceived += (_, line) => OnLine(line.Data);
        process.Start();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        _process = process;
        await WaitUntilReadyAsync(process);
    }

    private async Task WaitUntilReadyAsync(Process process)
    {
        var deadline = DateTime.UtcNow + TestTimeouts.Default;
        while (true)
        {
            if (process.HasExited)
            {
                throw new InvalidOperationException(
                    $"redis-server on port {Port} exited with code {process.ExitCode} before answering PING:{Environment.NewLine}{Output}");
            }

            if (await AnswersPingAsync())
            {
                return;
            }

            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException($"redis-server on port {Port} did not answer PING in time:{Environment.NewLine}{Output}");
            }

            await Task.Delay(10);
        }
    }

    private async Task<bool> AnswersPingAsync()
    {
        try
        {
            return await CommandAsync("PING") is "PONG";
        }
        catch (SocketException)
        {
            return false;
        }
        catch (IOException)
        {
            return false;
        }
        catch (RedisErrorException)
        {
            // -LOADING and the like: up, not ready yet.
            return false;
        }
    }

    private void OnLine(string? line)
    {
        if (line is not null)
        {
            _output.Enqueue(line);
        }
    }

    /// <summary>
    /// A port below the kernel's ephemeral range: no outgoing connection is ever given it as its local port, so it is
    /// still free when Redis comes back on it after a kill (a port from bind(0) could be taken in between).
    /// </summary>
    private static int FreePort()
    {
        var ephemeralLow = int.Parse(
            File.ReadAllText("/proc/sys/net/ipv4/ip_local_port_range").Split((char[])['\t', ' '], StringSplitOptions.RemoveEmptyEntries)[0],
            CultureInfo.InvariantCulture);
        var low = Math.Min(20_000, ephemeralLow / 2);
        for (var attempt = 0; attempt < 100; attempt++)
        {
            var port = Random.Shared.Next(low, ephemeralLow);
            using var probe = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
            try
            {
                probe.Bind(new IPEndPoint(IPAddress.Loopback, port));
                return port;
            }
            catch (SocketException)
            {
                // Taken: try another.
            }
        }

        throw new InvalidOperationException($"No free port found on 127.0.0.1 between {low} and {ephemeralLow}.");
    }

    private sealed class RedisErrorException(string message) : Exception(message);

    /// <summary>The few parts of RESP 2 a test needs: a command out, one reply back.</summary>
    private static class Resp
    {
        public static byte[] Encode(string[] arguments)
        {
            var text = new StringBuilder().Append(CultureInfo.InvariantCulture, $"*{arguments.Length}\r\n");
            foreach (var argument in arguments)
            {
                text.Append(CultureInfo.InvariantCulture, $"${Encoding.UTF8.GetByteCount(argument)}\r\n{argument}\r\n");
            }

            return Encoding.UTF8.GetBytes(text.ToString());
        }

        public static async Task<object?> ReadReplyAsync(Stream stream)
        {
            var line = await ReadLineAsync(stream);
            var rest = line[1..];
            switch (line[0])
            {
                case '+':
                    return rest;
                case '-':
                    throw new RedisErrorException(rest);
                case ':':
                    return long.Parse(rest, CultureInfo.InvariantCulture);
                case '$':
                    var length = int.Parse(rest, CultureInfo.InvariantCulture);
                    if (length < 0)
                    {
                        return null;
                    }

                    var bulk = new byte[length + 2];
                    await stream.ReadExactlyAsync(bulk);
                    return Encoding.UTF8.GetString(bulk, 0, length);
                case '*':
                    var count = int.Parse(rest, CultureInfo.InvariantCulture);
                    if (count < 0)
                    {
                        return null;
                    }

                    var items = new object?[count];
                    for (var i = 0; i < count; i++)
                    {
                        items[i] = await ReadReplyAsync(stream);
                    }

                    return items;
                default:
                    throw new InvalidDataException($"Unexpected RESP reply: {line}");
            }
        }

        private static async Task<string> ReadLineAsync(Stream stream)
        {
            var bytes = new List<byte>();
            var one = new byte[1];
            while (true)
            {
                await stream.ReadExactlyAsync(one);
                if (one[0] == '\n' && bytes.Count > 0 && bytes[^1] == '\r')
                {
                    return Encoding.UTF8.GetString(bytes.ToArray(), 0, bytes.Count - 1);
                }

                bytes.Add(one[0]);
            }
        }
    }
}
