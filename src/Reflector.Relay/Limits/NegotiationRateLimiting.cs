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

        // Per address before authentication, so floods without a valid token are cut too; per user after it,
        // when the user is known.
        services.AddRateLimiter(_ => { });
        services.AddOptions<RateLimiterOptions>()
            .Configure<IOptions<ConnectionLimitsOptions>>((rateLimiter, limits) =>
            {
                rateLimiter.RejectionStatusCode = StatusCodes.Status429TooManyRequests;
                rateLimiter.GlobalLimiter = PerAddress(limits.Value.NegotiationsPerAddressPerMinute);
                rateLimiter.OnRejected = (context, _) => Reject(context.HttpContext);
            });
        services.TryAddSingleton(provider => new PerUserNegotiationLimiter(PerUser(
            provider.GetRequiredService<IOptions<ConnectionLimitsOptions>>().Value.NegotiationsPerUserPerMinute,
            provider.GetRequiredService<IOptions<RelayAuthenticationOptions>>().Value.UserIdClaim)));
        return services;
    }

    /// <summary>The per-address limit; goes before authentication.</summary>
    public static IApplicationBuilder UseNegotiationRateLimitPerAddress(this IApplicationBuilder app) => app.UseRateLimiter();

    /// <summary>The per-user limit; goes after authorization, which has established the user.</summary>
    public static IApplicationBuilder UseNegotiationRateLimitPerUser(this IApplicationBuilder app) =>
        app.UseWhen(IsNegotiation, branch => branch.Use(async (context, next) =>
        {
            using var lease = context.RequestServices.GetRequiredService<PerUserNegotiationLimiter>().Limiter.AttemptAcquire(context);
            if (lease.IsAcquired)
            {
                await next(context).ConfigureAwait(false);
                return;
            }

            context.Response.StatusCode = StatusCodes.Status429TooManyRequests;
            await Reject(context).ConfigureAwait(false);
        }));

    private static ValueTask Reject(HttpContext context)
    {
        LogRejected(context.RequestServices.GetRequiredService<ILoggerFactory>().CreateLogger(typeof(NegotiationRateLimiting)),
            context.Connection.RemoteIpAddress?.ToString());
        context.Response.Headers.RetryAfter = "60";
        return ValueTask.CompletedTask;
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

/// <summary>The per-user negotiation limiter, one for the process.</summary>
internal sealed class PerUserNegotiationLimiter(PartitionedRateLimiter<HttpContext> limiter) : IDisposable
{
    public PartitionedRateLimiter<HttpContext> Limiter { get; } = limiter;

    public void Dispose() => Limiter.Dispose();
}
