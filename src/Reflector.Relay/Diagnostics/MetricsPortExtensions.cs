using System.Globalization;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;

namespace Reflector.Relay.Diagnostics;

/// <summary>
/// <c>Metrics:Port</c>: the relay also listens on that port, <c>/metrics</c> answers there only, and that port
/// answers nothing else, so the public port never exposes metrics and the scrape port never exposes the hub.
/// Requests are told apart by the port they arrived on (<see cref="ConnectionInfo.LocalPort"/>), never by
/// their <c>Host</c> header, which a client writes.
/// </summary>
internal static class MetricsPortExtensions
{
    /// <summary>Kestrel's own default when no address is configured.</summary>
    private const string KestrelDefaultUrl = "http://localhost:5000";

    public static WebApplicationBuilder AddMetricsPort(this WebApplicationBuilder builder)
    {
        var configuration = builder.Configuration;
        var configuredPort = configuration[$"{MetricsOptions.SectionName}:Port"];
        // Read before the host is built, as the URLs must be: from appsettings, the environment or the command line.
        // Worked out only for a metrics port: a relay without one leaves its addresses to Kestrel alone.
        var relayUrls = string.IsNullOrWhiteSpace(configuredPort) ? [] : RelayUrls(configuration);
        var relayAddresses = relayUrls.Select(TryParse).OfType<BindingAddress>().ToList();
        builder.Services.AddOptions<MetricsOptions>()
            .Bind(configuration.GetSection(MetricsOptions.SectionName))
            .ValidateOnStart();
        builder.Services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<MetricsOptions>>(new MetricsOptionsValidator(relayAddresses)));

        // A port that is not a number, out of range or taken by the relay itself is reported by the validator,
        // with the other configuration problems; listening on it is not attempted.
        if (!int.TryParse(configuredPort, NumberStyles.None, CultureInfo.InvariantCulture, out var port)
            || port is < 1 or > 65535
            || relayAddresses.Any(address => address.Port == port))
        {
            return builder;
        }

        // Kestrel listens on the configured URLs only while nothing calls Listen() in code, so the metrics
        // address joins them as one more URL: ASPNETCORE_URLS, ASPNETCORE_HTTP_PORTS and the default stay as they were.
        var metricsUrls = relayAddresses.Where(address => !address.IsUnixPipe)
            .Select(address => $"http://{address.Host}:{port.ToString(CultureInfo.InvariantCulture)}")
            .DefaultIfEmpty($"http://localhost:{port.ToString(CultureInfo.InvariantCulture)}")
            .Distinct(StringComparer.OrdinalIgnoreCase);
        builder.WebHost.UseSetting(WebHostDefaults.ServerUrlsKey, string.Join(';', relayUrls.Concat(metricsUrls)));
        // Their ports are in the URLs now; left set, ASP.NET would warn at every start that the URLs override them.
        builder.WebHost.UseSetting(WebHostDefaults.HttpPortsKey, "");
        builder.WebHost.UseSetting(WebHostDefaults.HttpsPortsKey, "");
        return builder;
    }

    /// <summary>With a metrics port, <c>/metrics</c> answers there only and that port answers nothing else (404).</summary>
    public static WebApplication UseMetricsPort(this WebApplication app)
    {
        if (app.Services.GetRequiredService<IOptions<MetricsOptions>>().Value.Port is not { } port)
        {
            return app;
        }

        // Routing has already chosen the endpoint, so every spelling of /metrics (case, trailing slash) is one.
        app.Use((context, next) =>
        {
            var isMetrics = context.GetEndpoint()?.Metadata.GetMetadata<MetricsEndpointMetadata>() is not null;
            if (isMetrics != (context.Connection.LocalPort == port))
            {
                context.Response.StatusCode = StatusCodes.Status404NotFound;
                return Task.CompletedTask;
            }

            return next(context);
        });
        return app;
    }

    /// <summary>What the relay would listen on without a metrics port, as ASP.NET Core's host works it out.</summary>
    internal static IReadOnlyList<string> RelayUrls(IConfiguration configuration)
    {
        var urls = configuration[WebHostDefaults.ServerUrlsKey];
        if (string.IsNullOrWhiteSpace(urls))
        {
            // ASPNETCORE_HTTP_PORTS / ASPNETCORE_HTTPS_PORTS count only when ASPNETCORE_URLS is unset.
            urls = string.Join(';', Expand(configuration[WebHostDefaults.HttpPortsKey], "http").Concat(Expand(configuration[WebHostDefaults.HttpsPortsKey], "https")));
        }

        var split = urls.Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        return split.Length > 0 ? split : [KestrelDefaultUrl];

        static IEnumerable<string> Expand(string? ports, string scheme) =>
            (ports ?? "").Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Select(port => $"{scheme}://*:{port}");
    }

    /// <summary>An address Kestrel could not parse either is left for Kestrel to report.</summary>
    private static BindingAddress? TryParse(string url)
    {
        try
        {
            return BindingAddress.Parse(url);
        }
        catch (FormatException)
        {
            return null;
        }
    }
}

/// <summary>Marks the <c>/metrics</c> endpoint for <see cref="MetricsPortExtensions.UseMetricsPort"/>.</summary>
internal sealed class MetricsEndpointMetadata;
