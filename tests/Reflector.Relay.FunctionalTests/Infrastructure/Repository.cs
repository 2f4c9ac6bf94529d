namespace Reflector.Relay.FunctionalTests.Infrastructure;

/// <summary>Paths in the working tree the tests run from.</summary>
internal static class Repository
{
    public static string Root { get; } = FindRoot();

    /// <summary>The npm workspace of the browser packages: one package-lock.json, one node_modules.</summary>
    public static string Clients => Path.Combine(Root, "clients");

    public static string TypeScriptClient => Path.Combine(Clients, "typescript");

    public static string ReactBindings => Path.Combine(Clients, "react");

    public static string ReactTestApp => Path.Combine(Clients, "react-test-app");

    /// <summary>The workspace's installed packages (npm hoists them all here).</summary>
    public static string NodeModules => Path.Combine(Clients, "node_modules");

    /// <summary>A command the workspace installed, e.g. <c>tsc</c> or <c>esbuild</c>.</summary>
    public static string NodeBin(string name) => Path.Combine(NodeModules, ".bin", name);

    public static string DemoRoot => Path.Combine(Root, "src", "Reflector.Relay", "Demo", "wwwroot");

    /// <summary>Fails with the command that fixes it when the browser packages' npm packages are missing.</summary>
    public static void RequireNodeModules()
    {
        string[] required = [Path.Combine("@microsoft", "signalr"), "react", Path.Combine("@tanstack", "react-query"), Path.Combine("@reflector", "relay-react")];
        if (required.Any(package => !Directory.Exists(Path.Combine(NodeModules, package))))
        {
            Assert.Fail($"The browser packages' npm packages are not installed: run `npm ci --prefix clients` (in {Root}), or tools/test, which does it.");
        }
    }

    private static string FindRoot()
    {
        for (var directory = new DirectoryInfo(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
        {
            if (File.Exists(Path.Combine(directory.FullName, "Reflector.Relay.sln")))
            {
                return directory.FullName;
            }
        }

        throw new InvalidOperationException($"No Reflector.Relay.sln above {AppContext.BaseDirectory}.");
    }
}
