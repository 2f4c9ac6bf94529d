using Reflector.Simulator;
using Reflector.Relay.FunctionalTests.Browser;

namespace Reflector.Relay.FunctionalTests.Demo;

internal static class DemoRelay
{
    /// <summary>The relay with its demo page on, reaching the simulator's helpers as `dotnet run` does.</summary>
    public static RelayFactory Start(SimulatedReflector reflector, IDictionary<string, string?>? settings = null)
    {
        var all = new Dictionary<string, string?>
        {
            ["Demo:Enabled"] = "true",
            ["Demo:SimulatorUrl"] = reflector.BaseAddress.ToString(),
            // As in Development: the demo's share links open public transcripts without sign-in.
            ["Anonymous:Enabled"] = "true",
        };
        foreach (var (key, value) in settings ?? new Dictionary<string, string?>())
        {
            all[key] = value;
        }

        return new RelayFactory(reflector, all);
    }

    public static string NewUser(string name) => $"{name}-{Guid.NewGuid():N}"[..(name.Length + 9)];
}
