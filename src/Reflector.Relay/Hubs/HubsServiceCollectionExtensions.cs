using Microsoft.AspNetCore.SignalR;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Reflector.Relay.Auth;
using Reflector.Relay.Origins;
using Reflector.Relay.Upstream;

namespace Reflector.Relay.Hubs;

internal static class HubsServiceCollectionExtensions
{
    public static IServiceCollection AddUserEventsHub(this IServiceCollection services)
    {
        services.AddSignalR(options =>
        {
            // Clients only listen; anything they send beyond pings and handshakes is small.
            options.MaximumReceiveMessageSize = 4 * 1024;
        });
        // Replaces SignalR's default, which reads a mapped NameIdentifier claim the relay does not produce.
        services.Replace(ServiceDescriptor.Singleton<IUserIdProvider, ClaimUserIdProvider>());
        services.TryAddSingleton<IUserEventSink, HubUserEventSink>();
        return services;
    }

    public static IEndpointConventionBuilder MapUserEventsHub(this IEndpointRouteBuilder endpoints) =>
        endpoints.MapHub<UserEventsHub>(UserEventsHub.Path, options =>
        {
            // A connection ends when its token does; the client comes back with a fresh one.
            options.CloseOnAuthenticationExpiration = true;
        })
        .RequireCors(BrowserOrigins.CorsPolicyName);
}
