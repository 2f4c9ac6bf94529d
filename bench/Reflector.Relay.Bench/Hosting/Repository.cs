namespace Reflector.Relay.Bench.Hosting;

/// <summary>Where the servers' Release builds are: the bench's project references build them beside it.</summary>
internal static class Repository
{
    public static string Root { get; } = FindRoot();

    public static string RelayDll => Build("src/Reflector.Relay", "Reflector.Relay.dll");

    public static string SimulatorDll => Build("src/Reflector.Simulator", "Reflector.Simulator.dll");

    public static string YarpDll => Build("bench/Reflector.Relay.Bench.Yarp", "Reflector.Relay.Bench.Yarp.dll");

    /// <summary>The Reflector-shaped upstream, run by Debian's python3 from the source tree.</summary>
    public static string PythonUpstreamScript => Path.Combine(Root, "bench", "upstream-python", "reflector_upstream.py");

    private static string Build(string project, string dll) =>
        Path.Combine(Root, project, "bin", "Release", "net10.0", dll);

    private static string FindRoot()
    {
        for (var directory = new DirectoryInfo(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
        {
            if (File.Exists(Path.Combine(directory.FullName, "Reflector.Relay.sln")))
            {
                return directory.FullName;
            }
        }

        throw new InvalidOperationException("Run the bench from inside the repository (Reflector.Relay.sln not found above it).");
    }
}
