using System.Formats.Tar;
using System.IO.Compression;
using System.Text.Json.Nodes;
using Microsoft.Playwright;
using Reflector.Relay.FunctionalTests.Infrastructure;
using Reflector.Simulator;
using static Reflector.Relay.FunctionalTests.Browser.ReactApp.FakeReflectorApi;
using Reflector.Relay.FunctionalTests.Demo;

namespace Reflector.Relay.FunctionalTests.Browser.ReactApp;

/// <summary>
/// The two browser packages as a user gets them: <c>npm pack</c> tarballs, installed into a fresh React 18 app (the
/// oldest React the peer range allows) that type-checks against their declarations under both the bundler's and
/// Node's module resolution, bundles, and runs against a real relay in Chromium.
/// </summary>
[Collection(BrowserTests.Name)]
public sealed class PackedPackagesTests(ChromiumFixture chromium, ReflectorFixture fixture)
{
    private static readonly string FreshAppSources = Path.Combine(Repository.Root, "tests", "Reflector.Relay.FunctionalTests", "Browser", "ReactApp", "FreshApp");

    [Fact]
    public async Task Packed_tarballs_install_into_a_fresh_React_18_app_that_builds_and_follows_the_relay()
    {
        await ClientPackages.BuiltAsync();
        var scratch = Directory.CreateTempSubdirectory("relay-packed-");
        try
        {
            // What npm pack puts in each tarball: ESM with declarations, an exports map, a README, a semver version,
            // and the React package depending on the client by version (never a path of this repository).
            var client = await PackAsync(Repository.TypeScriptClient, scratch.FullName);
            var react = await PackAsync(Repository.ReactBindings, scratch.FullName);
            foreach (var package in new[] { client, react })
            {
                Assert.Null(package.Manifest["private"]);
                Assert.Matches(@"^\d+\.\d+\.\d+$", package.Manifest["version"]!.GetValue<string>());
                Assert.Equal("module", package.Manifest["type"]!.GetValue<string>());
                Assert.Equal("./dist/index.d.ts", package.Manifest["exports"]!["."]!["types"]!.GetValue<string>());
                Assert.Equal("./dist/index.js", package.Manifest["exports"]!["."]!["import"]!.GetValue<string>());
                Assert.Contains("package/README.md", package.Files);
                Assert.Contains("package/dist/index.d.ts", package.Files);
                Assert.DoesNotContain(package.Files, file => file.StartsWith("package/src/", StringComparison.Ordinal));
            }

            Assert.Equal(client.Manifest["version"]!.GetValue<string>(), react.Manifest["dependencies"]!["@reflector/relay-client"]!.GetValue<string>());
            Assert.Equal("^18.0.0 || ^19.0.0", react.Manifest["peerDependencies"]!["react"]!.GetValue<string>());
            Assert.Equal("^5.0.0", react.Manifest["peerDependencies"]!["@tanstack/react-query"]!.GetValue<string>());

            // A fresh app: its own package.json, React 18, the two tarballs. npm fetches what its cache lacks.
            var app = Directory.CreateDirectory(Path.Combine(scratch.FullName, "app")).FullName;
            foreach (var file in new[] { "main.tsx", "tsconfig.json", "tsconfig.node.json", "index.html" })
            {
                File.Copy(Path.Combine(FreshAppSources, file), Path.Combine(app, file));
            }

            await File.WriteAllTextAsync(Path.Combine(app, "package.json"), new JsonObject
            {
                ["name"] = "fresh-app",
                ["private"] = true,
                ["type"] = "module",
                ["dependencies"] = new JsonObject
                {
                    ["@reflector/relay-client"] = $"file:{client.Tarball}",
                    ["@reflector/relay-react"] = $"file:{react.Tarball}",
                    ["@tanstack/react-query"] = "5.108.4",
                    ["react"] = "18.3.1",
                    ["react-dom"] = "18.3.1",
                },
                ["devDependencies"] = new JsonObject { ["@types/react"] = "18.3.32", ["@types/react-dom"] = "18.3.7" },
            }.ToJsonString());
            await RunAsync("npm", ["install", "--prefer-offline", "--no-audit", "--no-fund", "--loglevel=error"], app, "npm install", TimeSpan.FromMinutes(5));

            // Type-checked with the library declarations checked too, under both resolutions; then bundled.
            await RunAsync(Repository.NodeBin("tsc"), ["-p", "tsconfig.json"], app, "tsc with the bundler's module resolution");
            await RunAsync(Repository.NodeBin("tsc"), ["-p", "tsconfig.node.json"], app, "tsc with Node's module resolution");
            var served = Directory.CreateDirectory(Path.Combine(app, "dist")).FullName;
            File.Copy(Path.Combine(app, "index.html"), Path.Combine(served, "index.html"));
            await RunAsync(
                Repository.NodeBin("esbuild"),
                ["main.tsx", "--bundle", "--format=esm", "--target=es2022", "--platform=browser", "--define:process.env.NODE_ENV=\"production\"", "--outfile=dist/app.js"],
                app,
                "esbuild");

            // And it runs: React 18 in Chromium, live through the relay, refetching on a user event, following a transcript.
            await using var api = await FakeReflectorApi.StartAsync(served, fixture.Reflector);
            await using var relay = ReactRelay.Start(fixture.Reflector, api);
            await using var context = await chromium.NewContextAsync();
            var user = DemoRelay.NewUser("heidi");
            var transcriptId = fixture.Reflector.CreateTranscript(user, TranscriptShareMode.Private);
            var tab = await ReactAppTab.OpenAsync(context, api, relay.BaseAddress, user, $"&live={transcriptId}");
            await Assertions.Expect(tab.Page.Locator("#react-version")).ToHaveTextAsync("18.3.1");

            api.PutTranscript("t-new", "Created while watching");
            await fixture.Reflector.EmitAsync(user, "TRANSCRIPT_CREATED", new { id = "t-new" });
            await Assertions.Expect(tab.Page.Locator("#transcripts li[data-id='t-new']")).ToHaveTextAsync("Created while watching");
            Assert.Equal(2, api.Requests()[SearchPath]);

            await fixture.Reflector.EmitTranscriptEventAsync(transcriptId, "FINAL_TITLE", new { title = "Weekly product sync" });
            await Assertions.Expect(tab.Page.Locator("#live-title")).ToHaveTextAsync("Weekly product sync");
            Assert.Empty(tab.Errors);
        }
        finally
        {
            scratch.Delete(recursive: true);
        }
    }

    private static async Task<PackedPackage> PackAsync(string packageFolder, string destination)
    {
        // Built once for the run already; the prepack script would build it again.
        var pack = await RunAsync("npm", ["pack", "--ignore-scripts", "--json", "--loglevel=error", "--pack-destination", destination], packageFolder, "npm pack");
        var filename = JsonNode.Parse(pack[pack.IndexOf('[', StringComparison.Ordinal)..])![0]!["filename"]!.GetValue<string>();
        var tarball = Path.Combine(destination, filename);

        var files = new List<string>();
        JsonObject? manifest = null;
        await using var gzip = new GZipStream(File.OpenRead(tarball), CompressionMode.Decompress);
        await using var reader = new TarReader(gzip);
        while (await reader.GetNextEntryAsync() is { } entry)
        {
            files.Add(entry.Name);
            if (entry.Name == "package/package.json")
            {
                manifest = (await JsonNode.ParseAsync(entry.DataStream!))!.AsObject();
            }
        }

        return new PackedPackage(tarball, manifest ?? throw new InvalidOperationException($"{filename} has no package.json."), files);
    }

    private static async Task<string> RunAsync(string command, string[] arguments, string folder, string what, TimeSpan? timeout = null)
    {
        var (exitCode, output) = await ExternalProcess.RunAsync(command, arguments, folder, timeout);
        Assert.True(exitCode == 0, $"{what} failed in {folder}:\n{output}");
        return output;
    }

    private sealed record PackedPackage(string Tarball, JsonObject Manifest, IReadOnlyList<string> Files);
}
