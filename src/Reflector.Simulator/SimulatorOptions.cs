using System.Security.Cryptography;

namespace Reflector.Simulator;

public sealed class SimulatorOptions
{
    // Reflector checks the audience of every token; the relay must be configured with the same value.
    public string Audience { get; set; } = "reflector";

    // Loopback only by default: the dev endpoints mint tokens for anyone who asks.
    public string Urls { get; set; } = "http://127.0.0.1:0";

    // Generated (2048 bits) when null. A caller-supplied key stays owned by the caller.
    public RSA? SigningKey { get; set; }

    // Reflector verifies with one configured algorithm (RS256); tokens are issued with the first entry.
    public IReadOnlyList<string> Algorithms { get; set; } = ["RS256"];

    // The SECRET_KEY of Reflector's password auth backend: HS256 tokens signed with it are accepted beside the
    // RS256 ones (a real Reflector runs one backend; the simulator plays both). Reflector's own default.
    public string SecretKey { get; set; } = "changeme-f02f86fd8b3e4fd892c6043e5a298e21";

    // Reflector sends no pings of its own, so zero keeps the simulator just as silent.
    public TimeSpan KeepAliveInterval { get; set; } = TimeSpan.Zero;

    // The most events one transcript keeps for its replay; past it the oldest are forgotten, so a long
    // load run stays bounded in memory.
    public int MaxStoredEventsPerTranscript { get; set; } = 10_000;
}
