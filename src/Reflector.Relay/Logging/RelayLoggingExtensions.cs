using Microsoft.AspNetCore.SignalR;
using Serilog;
using Serilog.Events;

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
        app.UseSerilogRequestLogging(options => options.GetLevel = LevelOf);

    /// <summary>
    /// Every browser connection is a negotiate and a long request on the hub's endpoints: at Information they would be
    /// two lines per tab, written on the connect path during a burst. Those that went well are Debug; refusals
    /// (4xx) stay Information, failures are Error.
    /// </summary>
    internal static LogEventLevel LevelOf(HttpContext context, double elapsedMilliseconds, Exception? exception) =>
        exception is not null || context.Response.StatusCode >= StatusCodes.Status500InternalServerError ? LogEventLevel.Error
        : context.Response.StatusCode < StatusCodes.Status400BadRequest && context.GetEndpoint()?.Metadata.GetMetadata<HubMetadata>() is not null ? LogEventLevel.Debug
        : LogEventLevel.Information;
}
