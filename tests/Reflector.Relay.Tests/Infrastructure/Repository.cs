namespace Reflector.Relay.Tests.Infrastructure;

/// <summary>Paths in the working tree the tests run from.</summary>
internal static class Repository
{
    public static string Root { get; } = FindRoot();

    public static string TypeScriptClient => Path.Combine(Root, "clients", "typescript");

    public static string DemoRoot => Path.Combine(Root, "src", "Reflector.Relay", "Demo", "wwwroot");

    /// <summary>Fails with the command that fixes it when the TypeScript client's npm packages are missing.</summary>
    public static void RequireNodeModules()
    {
        if (!Directory.Exists(Path.Combine(TypeScriptClient, "node_modules", "@microsoft", "signalr")))
        {
            Assert.Fail($"The TypeScript client's packages are not installed: run `npm ci --prefix clients/typescript` (in {Root}), or tools/test, which does it.");
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
