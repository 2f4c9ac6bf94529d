using System.Threading.RateLimiting;
using Microsoft.AspNetCore.RateLimiting;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;
using Reflector.Relay.Auth;
using Reflector.Relay.Hubs;

namespace Reflector.Relay.Limits;

/// <summary>
/// Negotiation is where a connection starts, so that is where floods are cut: per user and per client address,
/// in fixed one-minute windows, answered with 429. Established connections and their polls are not limited.
/// </summary>
internal static partial class NegotiationRateLimiting
{
    private static readonly PathString NegotiatePath = UserEventsHub.Path + "/negotiate";

    public static IServiceCollection AddConnectionLimits(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddOptions<ConnectionLimitsOptions>()
            .Bind(configuration.GetSection(ConnectionLimitsOptions.SectionName))
            .ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<ConnectionLimitsOptions>, ConnectionLimitsOptionsValidator>());

        services.AddRateLimiter(_ => { });
        services.AddOptions<RateLimiterOptions>()
            .Configure<IOptions<ConnectionLimitsOptions>, IOptions<RelayAuthenticationOptions>>((rateLimiter, limits, authentication) =>
            {
                rateLimiter.RejectionStatusCode = StatusCodes.Status429TooManyRequests;
                rateLimiter.GlobalLimiter = PartitionedRateLimiter.CreateChained(
                    PerAddress(limits.Value.NegotiationsPerAddressPerMinute),
                    PerUser(limits.Value.NegotiationsPerUserPerMinute, authentication.Value.UserIdClaim));
                rateLimiter.OnRejected = (context, _) =>
                {
                    LogRejected(context.HttpContext.RequestServices.GetRequiredService<ILoggerFactory>().CreateLogger(typeof(NegotiationRateLimiting)),
                        context.HttpContext.Connection.RemoteIpAddress?.ToString());
                    context.HttpContext.Response.Headers.RetryAfter = "60";
                    return ValueTask.CompletedTask;
                };
            });
        return services;
    }

    private static PartitionedRateLimiter<HttpContext> PerAddress(int permitsPerMinute) =>
        PartitionedRateLimiter.Create<HttpContext, string>(context =>
            IsNegotiation(context)
                ? RateLimitPartition.GetFixedWindowLimiter(
                    "ip:" + (context.Connection.RemoteIpAddress?.ToString() ?? "unknown"), _ => Window(permitsPerMinute))
                : RateLimitPartition.GetNoLimiter(string.Empty));

    private static PartitionedRateLimiter<HttpContext> PerUser(int permitsPerMinute, string userIdClaim) =>
        PartitionedRateLimiter.Create<HttpContext, string>(context =>
            IsNegotiation(context) && ClaimUserIdProvider.TryGetUserId(context.User, userIdClaim, out var userId)
                ? RateLimitPartition.GetFixedWindowLimiter("user:" + userId, _ => Window(permitsPerMinute))
                : RateLimitPartition.GetNoLimiter(string.Empty));

    private static FixedWindowRateLimiterOptions Window(int permits) => new()
    {
        PermitLimit = permits,
        Window = TimeSpan.FromMinutes(1),
        QueueLimit = 0,
    };

    private static bool IsNegotiation(HttpContext context) => context.Request.Path.Equals(NegotiatePath, StringComparison.OrdinalIgnoreCase);

    [LoggerMessage(301, LogLevel.Warning, "Refused a negotiation from {RemoteAddress}: rate limit reached")]
    private static partial void LogRejected(ILogger logger, string? remoteAddress);
}
