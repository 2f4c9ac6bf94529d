using Reflector.Relay.Logging;
using System.Security.Cryptography;
using Reflector.Simulator;

namespace Reflector.Relay.Development;

/// <summary>
/// In Development, with no <c>Upstream:EventsUrl</c>, the relay starts a simulated Reflector beside itself
/// and trusts its tokens, so one command gives a working relay on a machine with nothing else.
/// </summary>
internal static class SimulatedReflectorExtensions
{
    public const string SectionName = "SimulatedReflector";

    public static WebApplicationBuilder UseSimulatedReflectorWhenNoneConfigured(this WebApplicationBuilder builder)
    {
        var configuration = builder.Configuration;
        if (!builder.Environment.IsDevelopment() || !string.IsNullOrWhiteSpace(configuration["Upstream:EventsUrl"]))
        {
            return builder;
        }

        var url = new Uri(configuration[$"{SectionName}:Url"] ?? "http://127.0.0.1:5251");
        var audience = configuration[$"{SectionName}:Audience"] ?? "reflector";
        var signingKey = RSA.Create(2048);

        // Written where the JWT settings expect a file, as a deployment's AUTH_JWT_PUBLIC_KEY would be.
        var publicKeyFile = Path.Combine(Path.GetTempPath(), $"reflector-relay-simulator-{Environment.ProcessId}.pem");
        File.WriteAllText(publicKeyFile, signingKey.ExportSubjectPublicKeyInfoPem());

        // The transcript URL is a template: {transcriptId} stays literal, so it is built as text rather than escaped by UriBuilder.
        var socketBase = new UriBuilder(url) { Scheme = url.Scheme == "https" ? "wss" : "ws", Path = "/" }.Uri.GetLeftPart(UriPartial.Authority);
        configuration.AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Upstream:EventsUrl"] = socketBase + "/v1/events",
            ["Upstream:TranscriptEventsUrl"] = socketBase + "/v1/transcripts/{transcriptId}/events",
            ["Authentication:Jwt:PublicKeyFile"] = publicKeyFile,
            ["Authentication:Jwt:Audience"] = audience,
            // The demo page reaches the simulator's /dev helpers through the relay, on the page's own origin.
            ["Demo:SimulatorUrl"] = url.ToString(),
        });

        builder.Services.AddHostedService(services => new SimulatedReflectorService(
            new SimulatorOptions { Urls = url.ToString().TrimEnd('/'), Audience = audience, SigningKey = signingKey },
            publicKeyFile,
            services.GetRequiredService<ILogger<SimulatedReflectorService>>()));
        return builder;
    }
}

internal sealed partial class SimulatedReflectorService(SimulatorOptions options, string publicKeyFile, ILogger<SimulatedReflectorService> logger)
    : IHostedService
{
    private SimulatedReflector? _simulator;

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        _simulator = await SimulatedReflector.StartAsync(options, cancellationToken).ConfigureAwait(false);
        LogStarted(logger, _simulator.BaseAddress, _simulator.EventsUrl, _simulator.TranscriptEventsUrlTemplate);
    }

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        if (_simulator is not null)
        {
            await _simulator.DisposeAsync().ConfigureAwait(false);
        }

        File.Delete(publicKeyFile);
    }

    [LoggerMessage(LogEventIds.Hosting.SimulatedReflectorStarted, LogLevel.Warning,
        "No Upstream:EventsUrl configured: using a simulated Reflector at {BaseAddress} ({EventsUrl}, {TranscriptEventsUrl}). " +
        "Get a token with POST {BaseAddress}dev/tokens, emit events with POST {BaseAddress}dev/events, " +
        "create a transcript with POST {BaseAddress}dev/transcripts.")]
    private static partial void LogStarted(ILogger logger, Uri baseAddress, Uri eventsUrl, Uri transcriptEventsUrl);
}
