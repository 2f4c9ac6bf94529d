using System.Reflection.Metadata;
using System.Reflection.PortableExecutable;
using System.Security.Cryptography;
using Reflector.Relay.FunctionalTests.Infrastructure;
using Reflector.Simulator;

namespace Reflector.Relay.FunctionalTests.Hosting;

/// <summary>
/// What <c>dotnet publish</c> ships (the Dockerfile's build): the relay without the simulated Reflector, whose
/// <c>/dev/tokens</c> signs a token for any user. Only Debug builds carry it, for <c>dotnet run</c>.
/// </summary>
public sealed class PublishedRelayTests(PublishedRelayFixture published) : IClassFixture<PublishedRelayFixture>
{
    private const string SimulatorAssembly = "Reflector.Simulator";

    [Fact]
    public void The_published_relay_has_no_simulator_assembly_beside_it()
    {
        var files = Directory.GetFiles(published.Directory).Select(Path.GetFileName).ToArray();

        Assert.Contains("Reflector.Relay.dll", files);
        Assert.DoesNotContain(files, file => file!.StartsWith(SimulatorAssembly, StringComparison.OrdinalIgnoreCase));
        Assert.DoesNotContain(SimulatorAssembly, File.ReadAllText(Path.Combine(published.Directory, "Reflector.Relay.deps.json")), StringComparison.Ordinal);
    }

    [Fact]
    public void The_published_relay_neither_references_nor_contains_simulator_code()
    {
        var traces = SimulatorTraces(Path.Combine(published.Directory, "Reflector.Relay.dll"));

        Assert.Empty(traces);
    }

#if DEBUG
    /// <summary>The inspection above sees the simulator where it is, and <c>dotnet run</c> (Debug) still has it.</summary>
    [Fact]
    public void A_debug_build_of_the_relay_still_carries_the_simulator_for_dotnet_run()
    {
        var traces = SimulatorTraces(Path.Combine(AppContext.BaseDirectory, "Reflector.Relay.dll"));

        Assert.Contains($"assembly reference {SimulatorAssembly}", traces);
        Assert.Contains($"type reference {typeof(SimulatedReflector).FullName}", traces);
        Assert.Contains("type definition Reflector.Relay.Development.SimulatedReflectorService", traces);
    }
#endif

    [Fact]
    public async Task The_published_relay_in_Development_without_an_events_url_refuses_to_start_instead_of_simulating()
    {
        var publicKeyFile = Path.GetTempFileName();
        using (var rsa = RSA.Create(2048))
        {
            await File.WriteAllTextAsync(publicKeyFile, rsa.ExportSubjectPublicKeyInfoPem());
        }

        try
        {
            using var relay = new RelayProcess(
                new Dictionary<string, string?>
                {
                    ["ASPNETCORE_ENVIRONMENT"] = "Development",
                    ["Upstream__EventsUrl"] = null,
                    ["Authentication__Jwt__PublicKeyFile"] = publicKeyFile,
                    ["Authentication__Jwt__Audience"] = "reflector",
                },
                published.Directory);

            Assert.Equal(1, await relay.WaitForExitAsync());
            Assert.Contains("Upstream:EventsUrl (environment variable Upstream__EventsUrl) is required", relay.Output, StringComparison.Ordinal);
            Assert.DoesNotContain("simulated Reflector", relay.Output, StringComparison.OrdinalIgnoreCase);
        }
        finally
        {
            File.Delete(publicKeyFile);
        }
    }

    /// <summary>
    /// Everything in <paramref name="relayDll"/>'s metadata that ties it to the simulator: a reference to its
    /// assembly or to a type of its namespace, a type of its namespace or with one of its type names (a copy of
    /// its code), and the relay's own Development types that start it.
    /// </summary>
    private static List<string> SimulatorTraces(string relayDll)
    {
        using var stream = File.OpenRead(relayDll);
        using var pe = new PEReader(stream);
        var metadata = pe.GetMetadataReader();
        var traces = new List<string>();

        foreach (var handle in metadata.AssemblyReferences)
        {
            var name = metadata.GetString(metadata.GetAssemblyReference(handle).Name);
            if (name.StartsWith(SimulatorAssembly, StringComparison.Ordinal))
            {
                traces.Add($"assembly reference {name}");
            }
        }

        foreach (var handle in metadata.TypeReferences)
        {
            var type = metadata.GetTypeReference(handle);
            var @namespace = metadata.GetString(type.Namespace);
            if (IsSimulatorNamespace(@namespace))
            {
                traces.Add($"type reference {@namespace}.{metadata.GetString(type.Name)}");
            }
        }

        foreach (var handle in metadata.TypeDefinitions)
        {
            var type = metadata.GetTypeDefinition(handle);
            var @namespace = metadata.GetString(type.Namespace);
            var name = metadata.GetString(type.Name);
            if (IsSimulatorNamespace(@namespace)
                || @namespace.StartsWith("Reflector.Relay.Development", StringComparison.Ordinal)
                || (!type.IsNested && SimulatorTypeNames.Contains(name)))
            {
                traces.Add($"type definition {@namespace}.{name}");
            }
        }

        return traces;
    }

    private static bool IsSimulatorNamespace(string @namespace) =>
        @namespace == SimulatorAssembly || @namespace.StartsWith(SimulatorAssembly + ".", StringComparison.Ordinal);

    /// <summary>
    /// The names of the simulator's own types (<c>TokenAuthority</c>, <c>DevEndpoints</c>, …), read from its
    /// assembly; <c>Program</c> and <c>Log</c> are names any application may have.
    /// </summary>
    private static readonly HashSet<string> SimulatorTypeNames = typeof(SimulatedReflector).Assembly.GetTypes()
        .Where(type => !type.IsNested && IsSimulatorNamespace(type.Namespace ?? "") && !type.Name.StartsWith('<'))
        .Select(type => type.Name)
        .Except(["Program", "Log"])
        .ToHashSet(StringComparer.Ordinal);
}

/// <summary>
/// Publishes the relay once, in Release as the Dockerfile does, into a temporary folder. Its intermediate and
/// output folders go there too (<c>--artifacts-path</c>), so a build running in the working tree is left alone.
/// </summary>
public sealed class PublishedRelayFixture : IAsyncLifetime
{
    private readonly string _root = Path.Combine(Path.GetTempPath(), $"relay-publish-{Guid.NewGuid():N}");

    public string Directory => Path.Combine(_root, "publish");

    public async Task InitializeAsync()
    {
        var (exitCode, output) = await ExternalProcess.RunAsync(
            "dotnet",
            [
                "publish", Path.Combine(Repository.Root, "src", "Reflector.Relay"),
                "-c", "Release",
                "-o", Directory,
                "--artifacts-path", Path.Combine(_root, "artifacts"),
                // No build server outlives the command (it would hold the output pipes open) and none is shared.
                "--disable-build-servers",
                "-p:UseAppHost=false",
            ],
            Repository.Root,
            TimeSpan.FromMinutes(5),
            new Dictionary<string, string?> { ["MSBUILDDISABLENODEREUSE"] = "1", ["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1" });

        Assert.True(exitCode == 0, $"dotnet publish failed ({exitCode}):\n{output}");
    }

    public Task DisposeAsync()
    {
        System.IO.Directory.Delete(_root, recursive: true);
        return Task.CompletedTask;
    }
}
