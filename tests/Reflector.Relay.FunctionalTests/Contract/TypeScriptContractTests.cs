using System.Text.Json;
using System.Text.Json.Serialization;
using Reflector.Relay.Events;
using Reflector.Relay.FunctionalTests.Infrastructure;

namespace Reflector.Relay.FunctionalTests.Contract;

/// <summary>
/// The TypeScript client's types come from the C# records; these tests fail when the checked-in file, the
/// example's exhaustive switch or the demo's committed bundle no longer match what the sources produce.
/// </summary>
public sealed class TypeScriptContractTests
{
    private static string GeneratedFile => Path.Combine(Repository.TypeScriptClient, "src", "contract.generated.ts");

    private static string Tsc => Repository.NodeBin("tsc");

    internal static string GenerateFromContract() =>
        TypeScriptContractGenerator.Generate(
            [
                new TypeScriptUnion(typeof(InvalidateMessage), "InvalidateMessage"),
                // Its cases would otherwise clash with the invalidate union's (both have a Resync).
                new TypeScriptUnion(typeof(TranscriptEventMessage), "TranscriptEventMessage", CasePrefix: "TranscriptEvent"),
            ],
            typeof(UpstreamStatus),
            typeof(TopicSegment));

    [Fact]
    public async Task Checked_in_typescript_types_match_the_csharp_contract()
    {
        var expected = GenerateFromContract();
        if (Environment.GetEnvironmentVariable("REFLECTOR_UPDATE_GENERATED") == "1")
        {
            await File.WriteAllTextAsync(GeneratedFile, expected);
        }

        var actual = File.Exists(GeneratedFile) ? (await File.ReadAllTextAsync(GeneratedFile)).ReplaceLineEndings("\n") : "";
        if (actual != expected)
        {
            Assert.Fail(
                $"clients/typescript/src/contract.generated.ts differs from the C# contract.\n{LineDiff(expected, actual)}\n" +
                "Regenerate it with: REFLECTOR_UPDATE_GENERATED=1 dotnet test tests/Reflector.Relay.FunctionalTests --filter TypeScriptContract");
        }
    }

    [Fact]
    public void Generator_writes_every_derived_type_with_its_discriminator_camel_case_fields_and_enum_wire_names()
    {
        var typescript = TypeScriptContractGenerator.Generate(typeof(Sample), "Sample", typeof(SampleStatus));

        Assert.Contains("export interface Added {\n  kind: \"added\";\n  itemId: string;\n  mood: Mood;\n}", typescript, StringComparison.Ordinal);
        Assert.Contains("export interface Weighed {\n  kind: \"weighed\";\n  grams: number;\n  note: string | null;\n  tare: number | null;\n}", typescript, StringComparison.Ordinal);
        Assert.Contains(
            "export interface Listed {\n  kind: \"listed\";\n  statuses: SampleStatus[];\n  weights: number[];\n  extra: Record<string, unknown>;\n}",
            typescript,
            StringComparison.Ordinal);
        Assert.Contains("export type Sample =\n  | Added\n  | Weighed\n  | Listed;", typescript, StringComparison.Ordinal);
        Assert.Contains("export type Mood = \"cheerful\" | \"grumpy\";", typescript, StringComparison.Ordinal);
        Assert.Contains("export interface SampleStatus {\n  live: boolean;\n  retryInMs?: number;\n}", typescript, StringComparison.Ordinal);
    }

    [Fact]
    public void Generator_prefixes_a_unions_cases_and_refuses_names_that_would_clash()
    {
        var prefixed = TypeScriptContractGenerator.Generate(
            [new TypeScriptUnion(typeof(Sample), "Sample"), new TypeScriptUnion(typeof(Sample), "OtherSample", CasePrefix: "Other")],
            typeof(SampleStatus));
        Assert.Contains("export type OtherSample =\n  | OtherAdded\n  | OtherWeighed\n  | OtherListed;", prefixed, StringComparison.Ordinal);

        Assert.Throws<InvalidOperationException>(() => TypeScriptContractGenerator.Generate(
            [new TypeScriptUnion(typeof(Sample), "Sample"), new TypeScriptUnion(typeof(Sample), "OtherSample")],
            typeof(SampleStatus)));
    }

    [Fact]
    public void Generator_refuses_types_it_cannot_map_exactly()
    {
        // Listed refers to SampleStatus, which is only mapped when it is written too.
        Assert.Throws<NotSupportedException>(() => TypeScriptContractGenerator.Generate(typeof(Sample), "Sample"));
        Assert.Throws<NotSupportedException>(() => TypeScriptContractGenerator.Generate(typeof(Sample), "Sample", typeof(SampleStatus), typeof(Unmappable)));
    }

    [Fact]
    public async Task Client_and_its_example_with_an_exhaustive_switch_compile()
    {
        Repository.RequireNodeModules();

        var client = await ExternalProcess.RunAsync(Tsc, ["-p", "tsconfig.json", "--noEmit"], Repository.TypeScriptClient);
        Assert.True(client.ExitCode == 0, $"tsc failed on the client:\n{client.Output}");

        var example = await ExternalProcess.RunAsync(Tsc, ["-p", "examples/tsconfig.json"], Repository.TypeScriptClient);
        Assert.True(example.ExitCode == 0, $"tsc failed on the example:\n{example.Output}");
    }

    [Fact]
    public async Task Exhaustive_switch_stops_compiling_when_the_contract_gains_a_message_type()
    {
        Repository.RequireNodeModules();
        var scratch = Directory.CreateTempSubdirectory("relay-ts-");
        try
        {
            CopyDirectory(Path.Combine(Repository.TypeScriptClient, "src"), Path.Combine(scratch.FullName, "src"));
            CopyDirectory(Path.Combine(Repository.TypeScriptClient, "examples"), Path.Combine(scratch.FullName, "examples"));
            File.Copy(Path.Combine(Repository.TypeScriptClient, "tsconfig.json"), Path.Combine(scratch.FullName, "tsconfig.json"));
            File.CreateSymbolicLink(Path.Combine(scratch.FullName, "node_modules"), Repository.NodeModules);

            // The same contract plus one case the example does not handle.
            var grown = GenerateFromContract()
                .Replace("  | Resync;", "  | Resync\n  | TranscriptShared;", StringComparison.Ordinal)
                + "\nexport interface TranscriptShared {\n  type: \"transcriptShared\";\n  transcriptId: string;\n}\n";
            await File.WriteAllTextAsync(Path.Combine(scratch.FullName, "src", "contract.generated.ts"), grown);

            var result = await ExternalProcess.RunAsync(Tsc, ["-p", "examples/tsconfig.json"], scratch.FullName);

            Assert.NotEqual(0, result.ExitCode);
            Assert.Contains("TranscriptShared", result.Output, StringComparison.Ordinal);
            Assert.Contains("never", result.Output, StringComparison.Ordinal);
        }
        finally
        {
            scratch.Delete(recursive: true);
        }
    }

    [Fact]
    public async Task Committed_demo_bundle_is_what_the_client_sources_build_to()
    {
        Repository.RequireNodeModules();
        var fresh = Path.Combine(Path.GetTempPath(), $"relay-client-{Guid.NewGuid():N}.js");
        try
        {
            var build = await ExternalProcess.RunAsync(
                "npm", ["run", "--silent", "bundle", "--", $"--outfile={fresh}"], Repository.TypeScriptClient);
            Assert.True(build.ExitCode == 0, $"The bundle did not build:\n{build.Output}");

            var committed = Path.Combine(Repository.DemoRoot, "relay-client.js");
            Assert.True(
                File.Exists(committed) && (await File.ReadAllTextAsync(committed)) == (await File.ReadAllTextAsync(fresh)),
                "src/Reflector.Relay/Demo/wwwroot/relay-client.js is out of date with clients/typescript/src: run `npm run bundle --prefix clients/typescript` and commit it.");
        }
        finally
        {
            File.Delete(fresh);
        }
    }

    private static string LineDiff(string expected, string actual)
    {
        var wanted = expected.Split('\n');
        var found = actual.Split('\n');
        var lines = new List<string>();
        for (var i = 0; i < Math.Max(wanted.Length, found.Length); i++)
        {
            var want = i < wanted.Length ? wanted[i] : null;
            var have = i < found.Length ? found[i] : null;
            if (want != have)
            {
                lines.Add($"line {i + 1}:\n  - checked in: {have ?? "(missing)"}\n  + from C#:    {want ?? "(missing)"}");
            }
        }

        return string.Join('\n', lines.Take(20));
    }

    private static void CopyDirectory(string from, string to)
    {
        Directory.CreateDirectory(to);
        foreach (var file in Directory.GetFiles(from))
        {
            File.Copy(file, Path.Combine(to, Path.GetFileName(file)));
        }
    }

    [JsonPolymorphic(TypeDiscriminatorPropertyName = "kind")]
    [JsonDerivedType(typeof(Added), "added")]
    [JsonDerivedType(typeof(Weighed), "weighed")]
    [JsonDerivedType(typeof(Listed), "listed")]
    internal abstract record Sample
    {
        internal sealed record Added(string ItemId, Mood Mood) : Sample;

        internal sealed record Weighed(double Grams, string? Note, double? Tare) : Sample;

        internal sealed record Listed(IReadOnlyList<SampleStatus> Statuses, IReadOnlyList<double> Weights, JsonElement Extra) : Sample;
    }

    [JsonConverter(typeof(JsonStringEnumConverter<Mood>))]
    internal enum Mood
    {
        [JsonStringEnumMemberName("cheerful")] Cheerful,
        [JsonStringEnumMemberName("grumpy")] Grumpy,
    }

    internal sealed record SampleStatus(bool Live, [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] int? RetryInMs);

    internal sealed record Unmappable(DateTimeOffset At);
}
