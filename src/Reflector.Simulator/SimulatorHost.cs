using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Reflector.Simulator;

// The running web server of one simulated API, shared by the in-process and standalone paths: starts it,
// tells where it listens, and stops it. The empty builder reads no appsettings, environment variables or
// Kestrel sections, so a host process (the relay, a test run) cannot leak its own configuration into the
// simulator, and no file watchers pile up across tests.
internal sealed class SimulatorHost : IAsyncDisposable
{
    private readonly WebApplication _app;
    private int _disposed;

    private SimulatorHost(WebApplication app)
    {
        _app = app;
        Api = app.Services.GetRequiredService<SimulatedApi>();
        BaseAddress = ListeningAddress(app);
    }

    public SimulatedApi Api { get; }

    public Uri BaseAddress { get; }

    public static async Task<SimulatorHost> StartAsync(SimulatorOptions options, bool standalone, CancellationToken cancellationToken)
    {
        WebApplication? app = null;
        try
        {
            app = Build(options, standalone);
            await app.StartAsync(cancellationToken).ConfigureAwait(false);
            var host = new SimulatorHost(app);
            app = null;
            return host;
        }
        finally
        {
            if (app is not null)
            {
                await app.DisposeAsync().ConfigureAwait(false);
            }
        }
    }

    public Task WaitForShutdownAsync() => _app.WaitForShutdownAsync();

    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) == 1)
        {
            return;
        }

        // Sockets first: Kestrel's graceful stop would otherwise wait for them until its timeout.
        try
        {
            await Api.ShutDownAsync().ConfigureAwait(false);
            await _app.StopAsync().ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            // Stop gave up waiting; disposing below tears down whatever is left.
        }
        finally
        {
            // Disposes the token authority (and the key it generated) with the other singletons.
            await _app.DisposeAsync().ConfigureAwait(false);
        }
    }

    private static WebApplication Build(SimulatorOptions options, bool standalone)
    {
        var requests = new RequestLog();
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
        builder.Services.AddSingleton(options);
        builder.Services.AddSingleton(requests);
        builder.Services.AddSingleton(TimeProvider.System);

        // Created (and so disposed) by the container: it owns the signing key it generated.
        builder.Services.AddSingleton<TokenAuthority>();
        builder.Services.AddSingleton<SimulatedApi>();
        builder.Services.AddSingleton(services => services.GetRequiredService<SimulatedApi>().Server);
        builder.Services.AddSingleton(services => services.GetRequiredService<SimulatedApi>().Ledger);
        builder.Services.AddSingleton(services => services.GetRequiredService<SimulatedApi>().Transcripts);
        builder.Services.AddSingleton(services => services.GetRequiredService<SimulatedApi>().UserSockets);
        builder.Services.AddSingleton(services => services.GetRequiredService<SimulatedApi>().TranscriptSockets);
        builder.Services.AddSingleton(typeof(EventsEndpoint<>));
        builder.Services.AddSingleton(typeof(LoadGenerator<>));
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
        var api = app.Services.GetRequiredService<SimulatedApi>();
        MapEventSockets(app, api.UserSockets.Kind);
        MapEventSockets(app, api.TranscriptSockets.Kind);
        DevEndpoints.Map(app);
        return app;
    }

    private static void MapEventSockets<TKind>(WebApplication app, TKind kind)
        where TKind : IEventSocketKind =>
        app.MapGet(kind.Route, (HttpContext context, EventsEndpoint<TKind> endpoint) => endpoint.HandleAsync(context));

    private static Uri ListeningAddress(WebApplication app)
    {
        var addresses = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()?.Addresses;
        var first = addresses?.FirstOrDefault()
            ?? throw new InvalidOperationException("Kestrel reported no listening address.");
        return new Uri(first.TrimEnd('/') + "/");
    }

    private sealed class EmbeddedLifetime : IHostLifetime
    {
        public Task WaitForStartAsync(CancellationToken cancellationToken) => Task.CompletedTask;

        public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
    }
}
