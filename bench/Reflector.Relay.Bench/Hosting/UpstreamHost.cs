namespace Reflector.Relay.Bench.Hosting;

/// <summary>
/// Reflector's API as a system's upstream, started fresh with the system: the C# simulated Reflector (the default),
/// or the Reflector-shaped Python server (<c>--upstream python</c>) with the Redis its rooms live on. Either way
/// the key its tokens are checked with is in <see cref="KeyFile"/>, which the relay reads too.
/// </summary>
internal sealed class UpstreamHost : IAsyncDisposable
{
    public const string Audience = "reflector";

    private readonly TokenMint? _mint;

    private UpstreamHost(string kind, ServerProcess process, RedisServer? redis, IUpstreamApi api, string keyFile, TokenMint? mint)
    {
        Kind = kind;
        Process = process;
        Redis = redis;
        Api = api;
        KeyFile = keyFile;
        _mint = mint;
    }

    /// <summary><c>simulator</c> or <c>python</c>.</summary>
    public string Kind { get; }

    /// <summary>The API process: what answers <c>/v1/events</c>.</summary>
    public ServerProcess Process { get; }

    /// <summary>The Python upstream's Redis (its pub/sub rooms); null for the simulator, which needs none.</summary>
    public RedisServer? Redis { get; }

    public IUpstreamApi Api { get; }

    public string KeyFile { get; }

    public string EventsUrl => $"ws://127.0.0.1:{Process.BaseAddress.Port}/v1/events";

    /// <summary>Processes that make up the upstream, for its CPU and memory: the API, and its Redis.</summary>
    public IReadOnlyList<int> Pids => Redis is null ? [Process.Pid] : [Process.Pid, Redis.Pid];

    public static string Describe(string kind) => kind == "python"
        ? "the Reflector-shaped Python upstream (bench/upstream-python: FastAPI under uvicorn with uvloop and websockets, PyJWT, " +
          "a Redis pub/sub room per user, one process), the load published to the users' rooms on its own redis-server, counted in the upstream's cost"
        : "the C# simulated Reflector (src/Reflector.Simulator), the load written by it (POST /dev/load)";

    /// <param name="gc">The simulated Reflector's GC settings (<see cref="GcMode"/>).</param>
    public static async Task<UpstreamHost> StartAsync(string kind, IReadOnlyDictionary<string, string> gc, TextWriter log, CancellationToken cancellationToken)
    {
        var port = ServerProcess.FreePort();
        var keyFile = Path.Combine(Path.GetTempPath(), $"reflector-bench-{Environment.ProcessId}-{port}.pem");
        if (kind != "python")
        {
            var simulator = await ServerProcess.StartAsync(
                "simulator", Repository.SimulatorDll,
                ["--urls", $"http://127.0.0.1:{port}", "--audience", Audience, "--public-key-file", keyFile],
                gc, port, "dev/stats", cancellationToken);
            return new UpstreamHost("simulator", simulator, null, new SimulatorClient(simulator.BaseAddress), keyFile, null);
        }

        await DebianPackages.EnsurePythonUpstreamAsync(log, cancellationToken);
        var redis = await RedisServer.StartAsync("upstream redis", cancellationToken);
        var mint = new TokenMint(keyFile, Audience);
        try
        {
            var script = Repository.PythonUpstreamScript;
            var python = await ServerProcess.StartExecutableAsync(
                "python upstream", DebianPackages.Python,
                [script, "--port", $"{port}", "--redis-port", $"{redis.Port}", "--public-key-file", keyFile, "--audience", Audience],
                Path.GetDirectoryName(script)!, new Dictionary<string, string> { ["PYTHONDONTWRITEBYTECODE"] = "1" },
                port, "dev/stats", cancellationToken);
            return new UpstreamHost("python", python, redis, new PythonUpstreamClient(python.BaseAddress, mint, redis), keyFile, mint);
        }
        catch
        {
            mint.Dispose();
            await redis.DisposeAsync();
            File.Delete(keyFile);
            throw;
        }
    }

    public async ValueTask DisposeAsync()
    {
        Api.Dispose();
        await Process.DisposeAsync();
        if (Redis is not null)
        {
            await Redis.DisposeAsync();
        }

        _mint?.Dispose();
        File.Delete(KeyFile);
    }
}
