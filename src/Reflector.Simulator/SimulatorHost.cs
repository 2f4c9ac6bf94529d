using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Reflector.Simulator;

// Builds the web app shared by the in-process and standalone paths. The empty builder reads no
// appsettings, environment variables or Kestrel sections, so a host process (the relay, a test run)
// cannot leak its own configuration into the simulator, and no file watchers pile up across tests.
internal static class SimulatorHost
{
    public static WebApplication Build(SimulatorOptions options, SocketHub hub, TokenAuthority tokens, TranscriptLedger ledger, TranscriptStore transcripts, TranscriptSocketHub transcriptHub, RequestLog requests, bool standalone)
    {
        var builder = WebApplication.CreateEmptyBuilder(new WebApplicationOptions
        {
            ApplicationName = typeof(SimulatorHost).Assembly.GetName().Name,
            ContentRootPath = AppContext.BaseDirectory,
            EnvironmentName = Environments.Production,
        });

        builder.WebHost.UseKestrelCore().UseUrls(options.Urls).ConfigureKestrel(kestrel => kestrel.ConfigureEndpointDefaults(endpoint =>
            endpoint.Use(next => connection =>
            {
                // Counted before Kestrel parses anything: a request it refuses (a NUL in the path) is still seen.
                requests.CountConnection();
                return next(connection);
            })));
        builder.Services.AddRoutingCore();
        builder.Services.AddSingleton(hub);
        builder.Services.AddSingleton(tokens);
        builder.Services.AddSingleton(ledger);
        builder.Services.AddSingleton<EventsEndpoint>();
        builder.Services.AddSingleton(transcripts);
        builder.Services.AddSingleton(transcriptHub);
        builder.Services.AddSingleton<TranscriptEventsEndpoint>();
        builder.Services.AddSingleton<TranscriptLoadGenerator>();
        builder.Services.AddSingleton(TimeProvider.System);
        builder.Services.AddSingleton<LoadGenerator>();
        builder.Services.Configure<HostOptions>(host => host.ShutdownTimeout = TimeSpan.FromSeconds(5));
        builder.Logging.AddSimpleConsole().SetMinimumLevel(LogLevel.Warning);
        if (!standalone)
        {
            // Inside another process the owner decides when to stop; Ctrl+C belongs to it.
            builder.Services.Replace(ServiceDescriptor.Singleton<IHostLifetime, EmbeddedLifetime>());
        }

        var app = builder.Build();
        app.Use((context, next) =>
        {
            requests.Record(context);
            return next(context);
        });
        app.UseWebSockets(new WebSocketOptions { KeepAliveInterval = options.KeepAliveInterval });
        app.MapGet(EventsEndpoint.Path, (HttpContext context, EventsEndpoint endpoint) => endpoint.HandleAsync(context));
        app.MapGet(TranscriptEventsEndpoint.Route, (HttpContext context, string transcriptId, TranscriptEventsEndpoint endpoint) =>
            endpoint.HandleAsync(context, transcriptId));
        DevEndpoints.Map(app);
        return app;
    }

    private sealed class EmbeddedLifetime : IHostLifetime
    {
        public Task WaitForStartAsync(CancellationToken cancellationToken) => Task.CompletedTask;

        public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
    }
}
