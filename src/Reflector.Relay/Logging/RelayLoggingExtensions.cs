using Serilog;

namespace Reflector.Relay.Logging;

internal static class RelayLoggingExtensions
{
    /// <summary>
    /// Serilog from the <c>Serilog</c> configuration section (read from the final configuration, not the
    /// builder's), plus sinks and enrichers registered as services.
    /// </summary>
    public static WebApplicationBuilder AddRelayLogging(this WebApplicationBuilder builder)
    {
        builder.Services.AddSerilog(
            (services, logger) => logger
                .ReadFrom.Configuration(services.GetRequiredService<IConfiguration>())
                .ReadFrom.Services(services)
                .Enrich.FromLogContext()
                .Enrich.With<TokenRedactor>(),
            // Each host keeps its own logger: test hosts in one process must not replace each other's.
            preserveStaticLogger: true);
        RedactingLoggerFactory.Decorate(builder.Services);
        return builder;
    }

    public static IApplicationBuilder UseRelayRequestLogging(this IApplicationBuilder app) =>
        // RequestPath carries no query string, so the access_token of SignalR's query never reaches it.
        app.UseSerilogRequestLogging();
}
