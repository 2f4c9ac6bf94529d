namespace Reflector.Relay.FunctionalTests.Infrastructure;

/// <summary>
/// The browser packages built from the working tree, once per test run: the tests never run yesterday's
/// <c>dist/</c>. Whoever needs them first builds them; everyone else awaits the same build.
/// </summary>
internal static class ClientPackages
{
    private static readonly Lazy<Task> Build = new(BuildAsync);
    private static readonly Lazy<Task<string>> TestApp = new(BundleTestAppAsync);

    /// <summary><c>@reflector/relay-client</c> and <c>@reflector/relay-react</c> built into their <c>dist/</c>.</summary>
    public static Task BuiltAsync() => Build.Value;

    /// <summary>
    /// A folder holding the React test app (clients/react-test-app) ready to serve: its index.html and one esbuild
    /// bundle of it with React, React Query and the two packages as built.
    /// </summary>
    public static Task<string> TestAppAsync() => TestApp.Value;

    private static async Task BuildAsync()
    {
        Repository.RequireNodeModules();
        var build = await ExternalProcess.RunAsync("npm", ["run", "--silent", "build"], Repository.Clients);
        Assert.True(build.ExitCode == 0, $"The browser packages did not build (npm run build --prefix clients):\n{build.Output}");
    }

    private static async Task<string> BundleTestAppAsync()
    {
        await BuiltAsync();
        var check = await ExternalProcess.RunAsync(Repository.NodeBin("tsc"), ["-p", "tsconfig.json", "--noEmit"], Repository.ReactTestApp);
        Assert.True(check.ExitCode == 0, $"The React test app does not type-check against the packages:\n{check.Output}");
        var folder = Directory.CreateTempSubdirectory("relay-react-app-").FullName;
        AppDomain.CurrentDomain.ProcessExit += (_, _) =>
        {
            try
            {
                Directory.Delete(folder, recursive: true);
            }
            catch (IOException)
            {
                // Left in the temp folder; nothing depends on it any more.
            }
        };
        File.Copy(Path.Combine(Repository.ReactTestApp, "index.html"), Path.Combine(folder, "index.html"));
        var bundle = await ExternalProcess.RunAsync(
            "npm", ["run", "--silent", "bundle", "--", $"--outfile={Path.Combine(folder, "app.js")}"], Repository.ReactTestApp);
        Assert.True(bundle.ExitCode == 0, $"The React test app did not bundle:\n{bundle.Output}");
        return folder;
    }
}
