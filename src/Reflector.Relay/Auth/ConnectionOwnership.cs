using Microsoft.Extensions.Caching.Memory;
using Reflector.Relay.Hubs;

namespace Reflector.Relay.Auth;

/// <summary>
/// Binds each SignalR connection token (the <c>id</c> of every request after negotiate) to the user who first
/// used it. SignalR re-reads the user on every long-polling or SSE request, and only warns when it changes; so
/// a caller who learned another user's connection token (it travels in URLs, and URLs reach proxy logs) could
/// read that user's stream with any valid token of their own. Here such a request is refused with 403.
/// </summary>
internal sealed partial class ConnectionOwnership(UserKeys keys, ILogger<ConnectionOwnership> logger) : IDisposable
{
    // Bounded: a flood of made-up ids cannot grow it without limit; entries outlive any real connection's gaps.
    private readonly MemoryCache _owners = new(new MemoryCacheOptions { SizeLimit = 500_000 });

    public static IApplicationBuilder UseConnectionOwnership(IApplicationBuilder app) =>
        app.UseWhen(
            context => context.Request.Path.StartsWithSegments(UserEventsHub.Path) && context.Request.Query.ContainsKey("id"),
            branch => branch.Use((context, next) =>
                context.RequestServices.GetRequiredService<ConnectionOwnership>().CheckAsync(context, next)));

    private Task CheckAsync(HttpContext context, RequestDelegate next)
    {
        var connectionToken = context.Request.Query["id"].ToString();
        if (!keys.TryGet(context.User, out var userId) || connectionToken.Length == 0)
        {
            // Unauthenticated requests are the authorization policy's to refuse.
            return next(context);
        }

        var owner = _owners.GetOrCreate(connectionToken, entry =>
        {
            entry.Size = 1;
            entry.SlidingExpiration = TimeSpan.FromHours(1);
            return userId;
        });
        if (string.Equals(owner, userId, StringComparison.Ordinal))
        {
            return next(context);
        }

        LogForeignUse(logger, userId, owner);
        context.Response.StatusCode = StatusCodes.Status403Forbidden;
        return context.Response.WriteAsync("This connection belongs to another user.");
    }

    public void Dispose() => _owners.Dispose();

    [LoggerMessage(302, LogLevel.Warning, "Refused user {UserId} on a connection that belongs to user {OwnerId}")]
    private static partial void LogForeignUse(ILogger logger, string userId, string? ownerId);
}
