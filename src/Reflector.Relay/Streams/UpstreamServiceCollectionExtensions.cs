using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;
using Reflector.Relay.Cluster;
using Reflector.Relay.Diagnostics;

namespace Reflector.Relay.Streams;

internal static class UpstreamServiceCollectionExtensions
{
    public static IServiceCollection AddUpstream(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddOptions<UpstreamOptions>()
            .Bind(configuration.GetSection(UpstreamOptions.SectionName))
            .ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<UpstreamOptions>, UpstreamOptionsValidator>());

        services.TryAddSingleton(TimeProvider.System);
        services.TryAddSingleton<RelayMetrics>();
        services.TryAddSingleton<UpstreamConnector>();
        // A relay alone unless the cluster (Cluster/) registered its Redis ownership first.
        services.TryAddSingleton<IUpstreamOwnership<Events.InvalidateMessage>, LocalUpstreamOwnership<Events.InvalidateMessage>>();
        services.TryAddSingleton<IUpstreamOwnership<Events.TranscriptEventMessage>, LocalUpstreamOwnership<Events.TranscriptEventMessage>>();
        if (!services.Any(descriptor => descriptor.ServiceType == typeof(UpstreamConnectionManager)))
        {
            services.AddSingleton<UpstreamConnectionManager>();
            services.AddHostedService(provider => provider.GetRequiredService<UpstreamConnectionManager>());
        }

        return services;
    }
}
