using System.Text.Json;

namespace Reflector.Relay.Bench.Hosting;

/// <summary>
/// The garbage collector every .NET server of a run uses (relays, the simulated Reflector, YARP): by default the same
/// for all, workstation GC with background collections, the relay's own setting (its measured best for memory, see
/// docs/performance.md); <c>server</c> for all; or <c>own</c>, each its project's setting (the Web SDK's default is
/// server GC, which the simulated Reflector and YARP keep). Set through the runtime's environment variables, which
/// take precedence over an app's runtimeconfig.json.
/// </summary>
internal static class GcMode
{
    public static readonly string[] Modes = ["workstation", "server", "own"];

    public static IReadOnlyDictionary<string, string> Environment(string mode) => mode switch
    {
        "workstation" => new Dictionary<string, string> { ["DOTNET_gcServer"] = "0", ["DOTNET_gcConcurrent"] = "1" },
        "server" => new Dictionary<string, string> { ["DOTNET_gcServer"] = "1", ["DOTNET_gcConcurrent"] = "1" },
        _ => new Dictionary<string, string>(),
    };

    /// <summary>The sentence the report states: which GC each .NET server ran.</summary>
    public static string Describe(string mode) => mode switch
    {
        "workstation" => "every .NET server (relays, simulated Reflector, YARP) ran workstation GC with background collections " +
            "(`DOTNET_gcServer=0`, `DOTNET_gcConcurrent=1`): the same for all, the relay's own setting",
        "server" => "every .NET server (relays, simulated Reflector, YARP) ran server GC with background collections " +
            "(`DOTNET_gcServer=1`, `DOTNET_gcConcurrent=1`): the same for all",
        _ => "each .NET server ran its project's own GC setting: " + string.Join(", ",
            new[] { ("relay", Repository.RelayDll), ("simulated Reflector", Repository.SimulatorDll), ("YARP", Repository.YarpDll) }
                .Select(server => $"{server.Item1} {FromRuntimeConfig(server.Item2)}")),
    };

    /// <summary>What an app's runtimeconfig.json asks for (absent: workstation, background collections on).</summary>
    private static string FromRuntimeConfig(string dll)
    {
        var path = Path.ChangeExtension(dll, ".runtimeconfig.json");
        if (!File.Exists(path))
        {
            return "(not built)";
        }

        using var config = JsonDocument.Parse(File.ReadAllText(path));
        var properties = config.RootElement.GetProperty("runtimeOptions").TryGetProperty("configProperties", out var p) ? p : default;
        bool Flag(string name, bool otherwise) =>
            properties.ValueKind == JsonValueKind.Object && properties.TryGetProperty(name, out var value) ? value.GetBoolean() : otherwise;
        return (Flag("System.GC.Server", false) ? "server" : "workstation") + (Flag("System.GC.Concurrent", true) ? "" : " non-concurrent");
    }
}
