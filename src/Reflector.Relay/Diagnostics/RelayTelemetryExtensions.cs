using OpenTelemetry.Metrics;
using OpenTelemetry.Resources;

namespace Reflector.Relay.Diagnostics;

/// <summary>
/// OpenTelemetry metrics, scraped in Prometheus text format at <c>GET /metrics</c>, on the relay's port or on
/// <c>Metrics:Port</c> (<see cref="MetricsPortExtensions"/>).
/// </summary>
internal static class RelayTelemetryExtensions
{
    public const string MetricsPath = "/metrics";

    private const int SeriesPerMetric = 256;

    /// <summary>
    /// The relay's own meter plus ASP.NET Core's: requests, Kestrel connections and SignalR connections
    /// (SignalR's server metrics live on the HTTP connections meter), and the runtime's.
    /// </summary>
    internal static readonly string[] MeterNames =
    [
        RelayMetrics.MeterName,
        "Microsoft.AspNetCore.Hosting",
        "Microsoft.AspNetCore.Server.Kestrel",
        "Microsoft.AspNetCore.Http.Connections",
        "Microsoft.AspNetCore.Authentication",
        "Microsoft.AspNetCore.Authorization",
        "System.Runtime",
    ];

    public static WebApplicationBuilder AddRelayTelemetry(this WebApplicationBuilder builder)
    {
        builder.AddMetricsPort();
        builder.Services.AddOpenTelemetry()
            .ConfigureResource(resource => resource.AddService("reflector-relay"))
            .WithMetrics(metrics => metrics
                .AddMeter(MeterNames)
                // Each stream reserves room for its limit of series up front (2,000 by default: 144 KB per metric, some
                // 8 MB in all here); none of these has more than a few dozen.
                .AddView(_ => new MetricStreamConfiguration { CardinalityLimit = SeriesPerMetric })
                // Every scrape collects afresh: counts a test or the benchmark reads are never an older copy.
                .AddPrometheusExporter(exporter => exporter.ScrapeResponseCacheDurationMilliseconds = 0));
        return builder;
    }

    public static IEndpointConventionBuilder MapRelayMetrics(this IEndpointRouteBuilder endpoints) =>
        endpoints.MapPrometheusScrapingEndpoint(MetricsPath).WithMetadata(new MetricsEndpointMetadata());
}
