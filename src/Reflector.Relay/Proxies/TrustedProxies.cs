using System.Net;
using Microsoft.AspNetCore.HttpOverrides;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;

namespace Reflector.Relay.Proxies;

/// <summary>
/// Behind a reverse proxy every browser has the proxy's address and the proxy's scheme. ASP.NET Core's
/// forwarded-headers middleware restores the client's address, scheme and host from the headers a trusted
/// proxy adds, so the origin check and the per-address rate limit see the real client. Only the configured
/// proxies are trusted: the middleware's own defaults (loopback) are cleared.
/// </summary>
internal static class TrustedProxies
{
    public static IServiceCollection AddTrustedProxies(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddOptions<TrustedProxyOptions>()
            .Bind(configuration.GetSection(TrustedProxyOptions.SectionName))
            .ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<TrustedProxyOptions>, TrustedProxyOptionsValidator>());

        services.AddOptions<ForwardedHeadersOptions>()
            .Configure<IOptions<TrustedProxyOptions>>((forwarded, trusted) =>
            {
                forwarded.ForwardedHeaders = ForwardedHeaders.XForwardedFor | ForwardedHeaders.XForwardedProto | ForwardedHeaders.XForwardedHost;
                forwarded.KnownProxies.Clear();
                forwarded.KnownIPNetworks.Clear();
                foreach (var proxy in trusted.Value.KnownProxies)
                {
                    forwarded.KnownProxies.Add(IPAddress.Parse(proxy));
                }

                foreach (var network in trusted.Value.KnownNetworks)
                {
                    forwarded.KnownIPNetworks.Add(System.Net.IPNetwork.Parse(network));
                }

                // Every hop is checked against the trusted list before the next entry is believed, so a chain of
                // trusted proxies (a CDN in front of Caddy) resolves to the client, and an untrusted hop stops it.
                forwarded.ForwardLimit = null;
            });
        return services;
    }

    /// <summary>Goes first in the pipeline, so everything after it sees the client.</summary>
    public static IApplicationBuilder UseTrustedProxies(this IApplicationBuilder app)
    {
        // With no proxy listed the middleware would believe every sender (it checks addresses only when some are
        // listed), so it is not added at all.
        return app.ApplicationServices.GetRequiredService<IOptions<TrustedProxyOptions>>().Value.TrustsAny
            ? app.UseForwardedHeaders()
            : app;
    }
}
