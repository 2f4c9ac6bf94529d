using System.Diagnostics;

namespace Reflector.Relay.Bench.Hosting;

/// <summary>
/// What the Python upstream runs on: Debian's python3 and its packages, never PyPI. Installed when missing with
/// apt-get, as root or through sudo, as tools/test installs Chromium and redis-server (redis-server's system
/// service is refused a start for the length of the install: the bench runs its own on a port of its own).
/// </summary>
internal static class DebianPackages
{
    public const string Python = "/usr/bin/python3";

    /// <summary>Reflector's stack: FastAPI under uvicorn[standard] (uvloop, httptools, websockets), redis-py, PyJWT.</summary>
    private static readonly (string Package, string Module)[] PythonUpstream =
    [
        ("python3-fastapi", "fastapi"),
        ("python3-uvicorn", "uvicorn"),
        ("python3-websockets", "websockets"),
        ("python3-uvloop", "uvloop"),
        ("python3-httptools", "httptools"),
        ("python3-redis", "redis"),
        ("python3-jwt", "jwt"),
        ("python3-cryptography", "cryptography"),
    ];

    private static readonly SemaphoreSlim Once = new(1, 1);
    private static bool _ready;

    /// <summary>Installs what the Python upstream and its Redis need, unless present; throws with apt-get's last lines when that fails.</summary>
    public static async Task EnsurePythonUpstreamAsync(TextWriter log, CancellationToken cancellationToken)
    {
        await Once.WaitAsync(cancellationToken);
        try
        {
            if (_ready)
            {
                return;
            }

            var missing = new List<string>();
            if (!File.Exists(RedisServer.Executable))
            {
                missing.Add("redis-server");
            }

            foreach (var (package, module) in PythonUpstream)
            {
                if (!File.Exists(Python) || await RunAsync(Python, ["-c", $"import {module}"], cancellationToken) is not (0, _))
                {
                    missing.Add(package);
                }
            }

            if (!File.Exists(Python))
            {
                missing.Add("python3");
            }

            if (missing.Count > 0)
            {
                log.WriteLine($"Installing Debian packages for the Python upstream: {string.Join(' ', missing)}");
                await InstallAsync(missing, cancellationToken);
            }

            _ready = true;
        }
        finally
        {
            Once.Release();
        }
    }

    private static async Task InstallAsync(List<string> packages, CancellationToken cancellationToken)
    {
        var asRoot = IsRoot();
        if (!asRoot && !File.Exists("/usr/bin/sudo"))
        {
            throw new InvalidOperationException($"`apt-get install {string.Join(' ', packages)}` needs root: run the bench as root, or install sudo.");
        }

        // A policy-rc.d that refuses every service start (exit 101), unless the machine has its own.
        var refuseStarts = !File.Exists("/usr/sbin/policy-rc.d");
        string[] Root(params string[] command) => asRoot ? command : ["sudo", "-n", .. command];
        async Task Must(string[] command)
        {
            if (await RunAsync(command[0], command[1..], cancellationToken) is (not 0, var output))
            {
                throw new InvalidOperationException($"`{string.Join(' ', command)}` failed:{Environment.NewLine}{output}");
            }
        }

        if (refuseStarts)
        {
            await Must(Root("sh", "-c", "printf '#!/bin/sh\\nexit 101\\n' > /usr/sbin/policy-rc.d && chmod 755 /usr/sbin/policy-rc.d"));
        }

        try
        {
            string[] install = Root(["env", "DEBIAN_FRONTEND=noninteractive", "apt-get", "install", "-y", "--no-install-recommends", .. packages]);
            if (await RunAsync(install[0], install[1..], cancellationToken) is (not 0, _))
            {
                // A fresh machine's package lists may be missing or stale.
                await Must(Root("apt-get", "update", "-qq"));
                await Must(install);
            }
        }
        finally
        {
            if (refuseStarts)
            {
                string[] remove = Root("rm", "-f", "/usr/sbin/policy-rc.d");
                await RunAsync(remove[0], remove[1..], CancellationToken.None);
            }
        }

        // Nor at the next boot, on a machine run by systemd.
        if (packages.Contains("redis-server") && Directory.Exists("/run/systemd/system"))
        {
            string[] disable = Root("systemctl", "disable", "--now", "redis-server.service");
            await RunAsync(disable[0], disable[1..], cancellationToken);
        }
    }

    private static bool IsRoot() => File.ReadLines("/proc/self/status").FirstOrDefault(l => l.StartsWith("Uid:", StringComparison.Ordinal)) is { } uid
        && uid.Split('\t', StringSplitOptions.RemoveEmptyEntries) is [_, "0", ..];

    private static async Task<(int ExitCode, string Output)> RunAsync(string file, string[] arguments, CancellationToken cancellationToken)
    {
        var start = new ProcessStartInfo(file) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        using var process = Process.Start(start) ?? throw new InvalidOperationException($"{file} did not start.");
        var output = process.StandardOutput.ReadToEndAsync(cancellationToken);
        var error = process.StandardError.ReadToEndAsync(cancellationToken);
        await process.WaitForExitAsync(cancellationToken);
        var text = (await output) + (await error);
        return (process.ExitCode, string.Join(Environment.NewLine, text.Split('\n').TakeLast(20)));
    }
}
