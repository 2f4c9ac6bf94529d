using Microsoft.Extensions.Options;
using Reflector.Relay.Anonymous;
using Reflector.Relay.Auth;
using Reflector.Relay.Cluster;
using Reflector.Relay.Demo;
#if SIMULATED_REFLECTOR
using Reflector.Relay.Development;
#endif
using Reflector.Relay.Diagnostics;
using Reflector.Relay.Health;
using Reflector.Relay.Hubs;
using Reflector.Relay.Limits;
using Reflector.Relay.Origins;
using Reflector.Relay.Logging;
using Reflector.Relay.Proxies;
using Reflector.Relay.Streams;

namespace Reflector.Relay;

internal static class RelayApplicationExtensions
{
    public static WebApplicationBuilder AddReflectorRelay(this WebApplicationBuilder builder)
    {
#if SIMULATED_REFLECTOR
        // Debug builds only (see the project file): Release has no simulator, so no token mint ships.
        builder.UseSimulatedReflectorWhenNoneConfigured();
#endif
        builder.AddRelayLogging();

        var services = builder.Services;
        services.AddTrustedProxies(builder.Configuration);
        services.AddRelayAuthentication(builder.Configuration);
        services.AddBrowserOrigins(builder.Configuration);
        services.AddConnectionLimits(builder.Configuration);
        services.AddAnonymousViewers(builder.Configuration);
        services.AddRelayCluster(builder.Configuration);
        services.AddUpstream(builder.Configuration);
        services.AddUserEventsHub();
        services.AddRelayHealthChecks();
        builder.AddRelayTelemetry();
        builder.AddRelayDemo();
        return builder;
    }

    public static WebApplication MapReflectorRelay(this WebApplication app)
    {
        // Every options section at once, before anything reads one: an operator sees all problems in one message,
        // not the first one some constructor happened to touch.
        app.Services.GetService<IStartupValidator>()?.Validate();

        // First: everything after it (request logs, the origin check, per-address limits) sees the client, not the proxy.
        app.UseTrustedProxies();
        app.UseRouting();
        app.UseRelayRequestLogging();
        app.UseMetricsPort();
        app.UseRelayDemo();
        app.UseBrowserOrigins();
        app.UseNewConnectionRefusalWhileStopping();
        app.UseAuthentication();
        // Between the two: the user is known (per-user limits), and a flood is cut before authorization works on it.
        app.UseRateLimiter();
        app.UseAuthorization();
        app.UseConnectionBindings();

        app.MapRelayHealthChecks();
        app.MapRelayMetrics();
        app.MapUserEventsHub();
        return app;
    }
}
