namespace Reflector.Simulator;

// Standalone entry point. Kept out of the global namespace and non-public so projects that reference
// the simulator never see a second `Program` type next to their own.
internal static class Program
{
    private static async Task<int> Main(string[] args)
    {
        var options = new SimulatorOptions { Urls = "http://127.0.0.1:5251" };
        var keyFile = Path.Combine(Path.GetTempPath(), "reflector-simulator-public-key.pem");
        for (var i = 0; i < args.Length; i++)
        {
            var value = i + 1 < args.Length ? args[i + 1] : null;
            switch (args[i])
            {
                case "--urls" when value is not null:
                    options.Urls = value;
                    i++;
                    break;
                case "--audience" when value is not null:
                    options.Audience = value;
                    i++;
                    break;
                case "--public-key-file" when value is not null:
                    keyFile = Path.GetFullPath(value);
                    i++;
                    break;
                default:
                    await Console.Error.WriteLineAsync("usage: Reflector.Simulator [--urls URL] [--audience AUD] [--public-key-file PATH]").ConfigureAwait(false);
                    return 2;
            }
        }

        await using var simulator = await SimulatedReflector.StartAsync(options, standalone: true, CancellationToken.None).ConfigureAwait(false);
        await File.WriteAllTextAsync(keyFile, simulator.PublicKeyPem).ConfigureAwait(false);
        Console.WriteLine($"Reflector simulator listening on {simulator.BaseAddress}");
        Console.WriteLine($"  events URL:      {simulator.EventsUrl}");
        Console.WriteLine($"  transcript URL:  {simulator.TranscriptEventsUrlTemplate}");
        Console.WriteLine($"  audience:        {simulator.Audience}");
        Console.WriteLine($"  public key file: {keyFile}");
        Console.WriteLine("  dev endpoints:   POST /dev/tokens, POST /dev/tokens/bulk, POST /dev/events, POST /dev/load, POST /dev/drop, GET /dev/stats,");
        Console.WriteLine("                   GET /dev/transcripts?userId=, GET /dev/public-key");
        Console.WriteLine("  transcripts:     POST /dev/transcripts, POST /dev/transcripts/{id}/events, DELETE /dev/transcripts/{id},");
        Console.WriteLine("                   POST /dev/transcripts/{id}/drop, GET /dev/transcripts/{id}/stats, POST /dev/transcripts/{id}/load");
        Console.WriteLine("Press Ctrl+C to stop.");
        await simulator.WaitForShutdownAsync().ConfigureAwait(false);
        return 0;
    }
}
