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

    private SimulatorHost(WebApplication app, SimulatedApi api)
    {
        _app = app;
        Api = api;
        BaseAddress = ListeningAddress(app);
    }

    public SimulatedApi Api { get; }

    public Uri BaseAddress { get; }

    public IServiceProvider Services => _app.Services;

    // Owns the api from here on: it is disposed with the host, or at once if the host fails to start.
    public static async Task<SimulatorHost> StartAsync(SimulatorOptions options, SimulatedApi api, bool standalone, CancellationToken cancellationToken)
    {
        WebApplication? app = null;
        try
        {
            app = Build(options, api, standalone);
            await app.StartAsync(cancellationToken).ConfigureAwait(false);
            var host = new SimulatorHost(app, api);
            app = null;
            return host;
        }
        catch
        {
            api.Dispose();
            throw;
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
        Api.Server.ShutDown();
        var dropped = Api.AbortEverySocket();
        try
        {
            await EventSocket.WaitUntilEndedAsync(dropped.All).ConfigureAwait(false);
            await _app.StopAsync().ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            // Stop gave up waiting; disposing below tears down whatever is left.
        }
        finally
        {
            await _app.DisposeAsync().ConfigureAwait(false);
            Api.Dispose();
        }
    }

    private static WebApplication Build(SimulatorOptions options, SimulatedApi api, bool standalone)
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
                api.Requests.CountConnection();
                return next(connection);
            })));
        builder.Services.AddRoutingCore();
        builder.Services.AddSingleton(api);
        builder.Services.AddSingleton(api.Server);
        builder.Services.AddSingleton(api.Tokens);
        builder.Services.AddSingleton(api.Ledger);
        builder.Services.AddSingleton(api.Transcripts);
        builder.Services.AddSingleton(api.UserSockets);
        builder.Services.AddSingleton(api.TranscriptSockets);
        builder.Services.AddSingleton(typeof(EventsEndpoint<>));
        builder.Services.AddSingleton(typeof(LoadGenerator<>));
        builder.Services.AddSingleton(TimeProvider.System);
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
            api.Requests.Record(context);
            return next(context);
        });
        app.UseWebSockets(new WebSocketOptions { KeepAliveInterval = options.KeepAliveInterval });
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
