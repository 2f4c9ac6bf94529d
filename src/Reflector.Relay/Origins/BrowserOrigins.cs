using Microsoft.AspNetCore.Cors.Infrastructure;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;
using Microsoft.AspNetCore.SignalR;

namespace Reflector.Relay.Origins;

/// <summary>
/// Browser connections (negotiate and the WebSocket upgrade) are accepted only from the relay's own origin and
/// the configured ones. CORS alone would not do: browsers do not apply it to WebSocket upgrades, so a page on
/// any site could otherwise open a socket with a token it holds. A request without <c>Origin</c> is not from a
/// browser page and is let through; its token still has to be valid.
/// </summary>
internal static class BrowserOrigins
{
    public const string CorsPolicyName = "BrowserOrigins";

    public static IServiceCollection AddBrowserOrigins(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddOptions<BrowserOriginOptions>()
            .Bind(configuration.GetSection(BrowserOriginOptions.SectionName))
            .ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<BrowserOriginOptions>, BrowserOriginOptionsValidator>());

        services.AddCors();
        services.AddOptions<CorsOptions>()
            .Configure<IOptions<BrowserOriginOptions>>((cors, origins) => cors.AddPolicy(CorsPolicyName, policy => policy
                .SetIsOriginAllowed(origins.Value.Allows)
                .AllowAnyHeader()
                .AllowAnyMethod()
                // SignalR's browser client sends credentials by default.
                .AllowCredentials()));
        return services;
    }

    public static IApplicationBuilder UseBrowserOrigins(this IApplicationBuilder app)
    {
        app.UseCors();
        return app.UseWhen(
            context => context.GetEndpoint()?.Metadata.GetMetadata<HubMetadata>() is not null,
            hub => hub.Use(RefuseForeignOrigins));
    }

    private static Task RefuseForeignOrigins(HttpContext context, RequestDelegate next)
    {
        var origin = context.Request.Headers.Origin.ToString();
        if (origin.Length == 0 || IsSameOrigin(context.Request, origin) ||
            context.RequestServices.GetRequiredService<IOptions<BrowserOriginOptions>>().Value.Allows(origin))
        {
            return next(context);
        }

        BrowserOriginsLog.Refused(context.RequestServices.GetRequiredService<ILoggerFactory>().CreateLogger(typeof(BrowserOrigins)), origin, context.Request.Path);
        context.Response.StatusCode = StatusCodes.Status403Forbidden;
        return context.Response.WriteAsync($"Origin '{origin}' is not allowed to connect (Cors:AllowedOrigins).");
    }

    private static bool IsSameOrigin(HttpRequest request, string origin) =>
        string.Equals(origin, $"{request.Scheme}://{request.Host}", StringComparison.OrdinalIgnoreCase);
}
