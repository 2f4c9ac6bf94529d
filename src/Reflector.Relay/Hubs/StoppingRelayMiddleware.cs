using Microsoft.AspNetCore.SignalR;

namespace Reflector.Relay.Hubs;

/// <summary>
/// Once the relay is stopping, new connections are refused with 503 before any work is done for them. SignalR closes
/// every connection at that moment, and a browser's first reconnect comes at once: accepted here, it would only be
/// closed again a moment later, costing the tab a second reconnect. Refused, the client retries on its backoff and
/// reaches a relay that stays (or this one, restarted). Requests of connections already open still pass.
/// </summary>
internal static class StoppingRelayMiddleware
{
    /// <summary>Seconds a refused client is asked to wait: its automatic reconnect's next step, roughly.</summary>
    private const string RetryAfterSeconds = "2";

    public static IApplicationBuilder UseNewConnectionRefusalWhileStopping(this IApplicationBuilder app)
    {
        var stopping = app.ApplicationServices.GetRequiredService<IHostApplicationLifetime>().ApplicationStopping;
        return app.Use((context, next) => stopping.IsCancellationRequested && StartsConnection(context)
            ? RefuseAsync(context)
            : next(context));
    }

    /// <summary>A negotiate, or a transport request naming no connection (a WebSocket without negotiate).</summary>
    internal static bool StartsConnection(HttpContext context) =>
        context.GetEndpoint()?.Metadata.GetMetadata<HubMetadata>() is not null &&
        ConnectionBindingMiddleware.ConnectionTokenOf(context.Request).Length == 0;

    private static Task RefuseAsync(HttpContext context)
    {
        context.Response.StatusCode = StatusCodes.Status503ServiceUnavailable;
        context.Response.Headers.RetryAfter = RetryAfterSeconds;
        return context.Response.WriteAsync("The relay is shutting down; connect again.");
    }
}
