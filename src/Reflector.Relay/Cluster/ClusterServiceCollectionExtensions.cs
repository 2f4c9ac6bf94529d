using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;

namespace Reflector.Relay.Cluster;

internal static class ClusterServiceCollectionExtensions
{
    /// <summary>
    /// With <c>ConnectionStrings:Redis</c> set, this relay joins the cluster of every relay on that Redis; otherwise
    /// nothing changes (a relay alone, <see cref="LocalUpstreamOwnership{TMessage}"/>). Goes before the upstream registration:
    /// its ownership is then the one used, and as a hosted service registered earlier it stops later, after the
    /// upstreams have let go of their claims.
    /// </summary>
    public static IServiceCollection AddRelayCluster(this IServiceCollection services, IConfiguration configuration)
    {
        if (string.IsNullOrWhiteSpace(configuration.GetConnectionString(ClusterOptions.ConnectionStringName)))
        {
            return services;
        }

        services.AddOptions<ClusterOptions>()
            .Bind(configuration.GetSection(ClusterOptions.SectionName))
            .PostConfigure(options => options.AddIncarnation())
            .ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<ClusterOptions>, ClusterOptionsValidator>());
        services.TryAddSingleton<RedisUpstreamOwnership>();
        services.TryAddSingleton<IUpstreamOwnership<Events.InvalidateMessage>>(provider => provider.GetRequiredService<RedisUpstreamOwnership>());
        services.TryAddSingleton<IUpstreamOwnership<Events.TranscriptEventMessage>>(provider => provider.GetRequiredService<RedisUpstreamOwnership>());
        services.AddHostedService(provider => provider.GetRequiredService<RedisUpstreamOwnership>());
        return services;
    }
}
