using System.Globalization;
using System.Threading.RateLimiting;
using Microsoft.AspNetCore.Http.Connections;
using Microsoft.AspNetCore.RateLimiting;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;
using Reflector.Relay.Auth;

namespace Reflector.Relay.Limits;

/// <summary>
/// Floods are cut where connections start, with ASP.NET Core rate limiting on the hub's own endpoints (so no
/// spelling of the path walks around it): negotiate, and any request to the connection endpoint that does not
/// name a live connection of the caller's own (no <c>id</c> or an empty one: a WebSocket opened without
/// negotiating; a made-up or ended one). A start with a valid token counts against its user, so a crowd of users
/// behind one proxy address is never refused for sharing it; a start without one counts against the client
/// address. The owner's requests on its live connection (polls, sends, the socket after negotiate) are not limited.
/// </summary>
internal static class ConnectionRateLimiting
{
    public const string PolicyName = "ConnectionStarts";

    private const string UserPartition = "user:";
    private const string AddressPartition = "address:";

    public static IServiceCollection AddConnectionLimits(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddOptions<ConnectionLimitsOptions>()
            .Bind(configuration.GetSection(ConnectionLimitsOptions.SectionName))
            .ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<ConnectionLimitsOptions>, ConnectionLimitsOptionsValidator>());

        services.AddRateLimiter(_ => { });
        services.AddOptions<RateLimiterOptions>()
            .Configure<IOptions<ConnectionLimitsOptions>, UserKeys>((rateLimiter, limits, keys) =>
            {
                rateLimiter.RejectionStatusCode = StatusCodes.Status429TooManyRequests;
                rateLimiter.OnRejected = (context, _) => Reject(context);
                rateLimiter.AddPolicy(PolicyName, context => Partition(context, keys, limits.Value));
            });
        return services;
    }

    private static RateLimitPartition<string> Partition(HttpContext context, UserKeys keys, ConnectionLimitsOptions limits)
    {
        // Only the owner's requests on a live connection are free. Negotiate ignores an id; an empty one, or one
        // naming no live connection (made up, or of an ended connection), starts a new connection or costs a lookup.
        if (context.GetEndpoint()?.Metadata.GetMetadata<NegotiateMetadata>() is null &&
            context.RequestServices.GetService<ILiveConnections>()?.ContinuesOwnConnection(context) == true)
        {
            return RateLimitPartition.GetNoLimiter(string.Empty);
        }

        // The user was set by authentication, which runs before the limiter; the address is the client's own
        // once forwarded headers from a trusted proxy have been applied.
        return keys.TryGet(context.User, out var userKey)
            ? RateLimitPartition.GetFixedWindowLimiter(UserPartition + userKey, _ => Window(limits.NegotiationsPerUserPerMinute))
            : RateLimitPartition.GetFixedWindowLimiter(
                AddressPartition + (context.Connection.RemoteIpAddress?.ToString() ?? "unknown"), _ => Window(limits.NegotiationsPerAddressPerMinute));
    }

    private static FixedWindowRateLimiterOptions Window(int permits) => new()
    {
        PermitLimit = permits,
        Window = TimeSpan.FromMinutes(1),
        QueueLimit = 0,
    };

    private static ValueTask Reject(OnRejectedContext rejected)
    {
        var context = rejected.HttpContext;
        var retryAfter = rejected.Lease.TryGetMetadata(MetadataName.RetryAfter, out var wait) ? wait : TimeSpan.FromMinutes(1);
        var seconds = Math.Max(1, (int)Math.Ceiling(retryAfter.TotalSeconds));
        context.Response.Headers.RetryAfter = seconds.ToString(CultureInfo.InvariantCulture);

        // The path only: the query may hold an access_token.
        var logger = context.RequestServices.GetRequiredService<ILoggerFactory>().CreateLogger(typeof(ConnectionRateLimiting));
        var keys = context.RequestServices.GetRequiredService<UserKeys>();
        if (keys.TryGet(context.User, out var userKey))
        {
            ConnectionRateLimitingLog.RejectedUser(logger, userKey, context.Request.Path, seconds);
        }
        else
        {
            ConnectionRateLimitingLog.RejectedAddress(logger, context.Connection.RemoteIpAddress?.ToString(), context.Request.Path, seconds);
        }

        return ValueTask.CompletedTask;
    }
}
