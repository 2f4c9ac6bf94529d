using System.Globalization;
using System.Text.Json;
using System.Text.Json.Serialization;
using Reflector.Relay.Bench;
using Reflector.Relay.Bench.Hosting;
using Reflector.Relay.Bench.Reporting;
using Reflector.Relay.Bench.Scenarios;
using Reflector.Relay.Bench.Soak;
using Reflector.Relay.Bench.Workers;

if (args is ["--client-worker"])
{
    return await ClientWorker.RunAsync(Console.In, Console.Out);
}

if (args.Contains("--help"))
{
    Console.WriteLine(BenchOptions.Usage);
    return 0;
}

BenchOptions? options;
try
{
    options = BenchOptions.Parse(args);
}
catch (FormatException invalid)
{
    Console.Error.WriteLine(invalid.Message);
    options = null;
}

if (options is null)
{
    Console.Error.WriteLine(BenchOptions.Usage);
    return 2;
}

if (!OperatingSystem.IsLinux())
{
    Console.Error.WriteLine("The benchmark reads /proc and binds 127.0.0.x source addresses: it runs on Linux only.");
    return 2;
}

// Every connection is a file descriptor in the process holding the tab (this one, or a client worker) and
// in the server's (the proxy holds two per browser connection, the relay one plus one per user); the servers
// and the workers inherit this process's limit.
var notes = new List<string>();
var wanted = options.FilesNeeded(options.MostConnections);
var raised = Native.TryRaiseOpenFileLimit(wanted);
var (soft, hard) = Native.OpenFileLimit();
Console.WriteLine($"Open-file limit (ulimit -n): {soft} (hard {hard}); this run needs about {wanted}.");
if (!raised)
{
    var most = options.MostConnectionsWithin(soft);
    var note = $"The open-file limit ({soft}, hard {hard}) is too low for {options.MostConnections} connections and could not be raised: " +
        $"every scenario is capped at {most} connections. For the full scale raise the hard limit first " +
        $"(`ulimit -n {wanted}` as root, `--ulimit nofile={wanted}:{wanted}` for a container, LimitNOFILE= for a systemd unit).";
    Console.Error.WriteLine(note);
    notes.Add(note);
    options = options.CappedTo(most);
    if (options.MostConnections < options.Tabs)
    {
        return 3;
    }
}

using var cancel = new CancellationTokenSource();
Console.CancelKeyPress += (_, e) =>
{
    e.Cancel = true;
    cancel.Cancel();
};

var started = DateTimeOffset.Now;
var outputRoot = options.OutputRoot.Length > 0 ? Path.GetFullPath(options.OutputRoot) : Path.Combine(Repository.Root, "bench", "results");
var suffix = options switch
{
    { Soak: true } when options.SoakDuration < SoakRunner.ShortestRecorded => "-soak-short",
    { Soak: true } => "-soak",
    { Quick: true } => "-quick",
    _ => "",
};
var output = Path.Combine(outputRoot, started.ToString("yyyyMMdd-HHmmss", CultureInfo.InvariantCulture) + suffix);
Directory.CreateDirectory(output);
var command = "dotnet run -c Release --project bench/Reflector.Relay.Bench --" + (args.Length > 0 ? " " + string.Join(' ', args) : "");

if (options.Soak)
{
    using var runner = new SoakRunner(options, Console.Out);
    var soak = await runner.RunAsync(
        SoakRunner.NewResult(options, started.ToString("yyyy-MM-dd HH:mm:ss zzz", CultureInfo.InvariantCulture), command, Machine.Describe(), notes),
        cancel.Token);
    var table = soak.ToMarkdown();
    Console.WriteLine();
    Console.WriteLine(table);
    await File.WriteAllTextAsync(Path.Combine(output, "soak.md"), table);
    await File.WriteAllLinesAsync(Path.Combine(output, "soak.csv"), [SoakSample.CsvHeader, .. soak.Samples.Select(s => s.ToCsv())]);
    await File.WriteAllTextAsync(
        Path.Combine(output, "soak.json"),
        JsonSerializer.Serialize(soak, new JsonSerializerOptions(JsonSerializerDefaults.Web)
        {
            WriteIndented = true,
            NumberHandling = JsonNumberHandling.AllowNamedFloatingPointLiterals,
        }));
    Console.WriteLine($"Soak {(soak.Passed ? "PASSED" : "FAILED")}. Results: {output}");
    return soak.Passed ? 0 : 1;
}

var report = new RunReport(
    started.ToString("yyyy-MM-dd HH:mm:ss zzz", CultureInfo.InvariantCulture),
    command,
    Machine.Describe(),
    options,
    [],
    notes);

// Runs interleave the systems, each run in another order, so a machine that gets noisier during the run
// weighs on every system alike; each system of each run takes its own block of source addresses.
for (var run = 0; run < options.Runs; run++)
{
    var order = RunReport.Order(options.Systems, run);
    if (options.Runs > 1)
    {
        Console.WriteLine($"Run {run + 1} of {options.Runs}: {string.Join(", ", order)}");
    }

    var results = new List<SystemResult>();
    report.Runs.Add(results);
    for (var i = 0; i < order.Count; i++)
    {
        var runner = new ScenarioRunner(options, (run * order.Count) + i, Console.Out);
        results.Add(await runner.RunAsync(order[i], cancel.Token));
    }
}

var markdown = MarkdownReport.Render(report);
Console.WriteLine();
Console.WriteLine(markdown);
await File.WriteAllTextAsync(Path.Combine(output, "results.md"), markdown);
await File.WriteAllTextAsync(
    Path.Combine(output, "results.json"),
    JsonSerializer.Serialize(report, new JsonSerializerOptions(JsonSerializerDefaults.Web)
    {
        WriteIndented = true,
        NumberHandling = JsonNumberHandling.AllowNamedFloatingPointLiterals,
    }));

foreach (var (scenario, pick) in new (string, Func<SystemResult, Reflector.Relay.Bench.Measurement.DeliveryStats?>)[]
{
    ("steady", s => s.Steady?.Delivery),
    ("burst", s => s.Burst?.Delivery),
    ("transcripts", s => s.Transcripts?.Delivery.All),
})
{
    var rows = report.Systems.Where(s => pick(s) is not null).Select(s => (s.System, pick(s)!)).ToList();
    if (rows.Count > 0)
    {
        LatencyChart.Save(Path.Combine(output, $"latency-{scenario}.png"), $"Delivery latency, {scenario} scenario", rows);
    }
}

if (report.Systems.Where(s => s.Ramp is { Steps.Count: > 0 }).Select(s => (s.System, s.Ramp!)).ToList() is { Count: > 0 } ramps)
{
    MemoryPerConnectionChart.Save(Path.Combine(output, "memory-per-connection.png"), ramps);
}

Console.WriteLine($"Results: {output}");

// Figures are reported, never judged; a system that could not run at all is a failure of the bench itself.
return report.Runs.Exists(run => run.Exists(s => s.Problems.Count > 0)) ? 1 : 0;
