using Microsoft.AspNetCore.Diagnostics.HealthChecks;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Reflector.Relay.Streams;

namespace Reflector.Relay.Health;

internal static class RelayHealthChecks
{
    private const string ReadyTag = "ready";

    public static IServiceCollection AddRelayHealthChecks(this IServiceCollection services)
    {
        services.AddHealthChecks().AddCheck<UpstreamManagerReadinessCheck>("upstream-manager", tags: [ReadyTag]);
        return services;
    }

    public static IEndpointRouteBuilder MapRelayHealthChecks(this IEndpointRouteBuilder endpoints)
    {
        // Liveness: the process answers. Readiness: it also takes new browser connections.
        endpoints.MapHealthChecks("/healthz", new HealthCheckOptions { Predicate = _ => false });
        endpoints.MapHealthChecks("/readyz", new HealthCheckOptions { Predicate = check => check.Tags.Contains(ReadyTag) });
        return endpoints;
    }
}

internal sealed class UpstreamManagerReadinessCheck(UpstreamConnectionManager upstreams) : IHealthCheck
{
    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default) =>
        Task.FromResult(upstreams.IsAcceptingConnections
            ? HealthCheckResult.Healthy($"{upstreams.UpstreamCount} upstream sockets")
            : HealthCheckResult.Unhealthy("Not started, or shutting down."));
}
