using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;

namespace Reflector.Relay.Anonymous;

internal static class AnonymousServiceCollectionExtensions
{
    public static IServiceCollection AddAnonymousViewers(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddOptions<AnonymousViewerOptions>()
            .Bind(configuration.GetSection(AnonymousViewerOptions.SectionName))
            .ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<AnonymousViewerOptions>, AnonymousViewerOptionsValidator>());
        services.TryAddSingleton<AnonymousViewers>();
        return services;
    }
}
