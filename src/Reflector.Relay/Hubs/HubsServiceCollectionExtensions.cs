using Microsoft.AspNetCore.SignalR;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;
using Reflector.Relay.Auth;
using Reflector.Relay.Limits;
using Reflector.Relay.Origins;
using Reflector.Relay.Transcripts;
using Reflector.Relay.Streams;

namespace Reflector.Relay.Hubs;

internal static class HubsServiceCollectionExtensions
{
    public static IServiceCollection AddUserEventsHub(this IServiceCollection services)
    {
        services.AddSignalR(options =>
            {
                // Clients only listen; anything they send beyond pings and handshakes is small.
                options.MaximumReceiveMessageSize = 4 * 1024;
            })
            .AddMessagePackProtocol();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IConfigureOptions<MessagePackHubProtocolOptions>, ContractMessagePackSetup>());
        // Replaces SignalR's default, which reads a mapped NameIdentifier claim the relay does not produce.
        services.Replace(ServiceDescriptor.Singleton<IUserIdProvider, UserKeyIdProvider>());
        services.TryAddSingleton(TimeProvider.System);
        services.TryAddSingleton<OutboxHubLifetimeManager>();
        // Registered for this hub on purpose, so it wins over an open-generic HubLifetimeManager<> such as SignalR's
        // Redis backplane (AddStackExchangeRedis). That backplane is not used for the cluster: its subscriber on each
        // relay writes a message to every connection of a group and awaits them all before the next message, so one
        // stalled tab would hold back its siblings there, and it knows nothing of who holds a user's upstream socket.
        // The cluster (Cluster/) publishes the holder's messages itself and feeds them into these outboxes.
        services.AddSingleton<HubLifetimeManager<UserEventsHub>>(provider => provider.GetRequiredService<OutboxHubLifetimeManager>());
        services.TryAddSingleton<IUserEventSink, HubUserEventSink>();
        services.TryAddSingleton<ITranscriptEventSink, HubTranscriptEventSink>();
        services.TryAddSingleton<TranscriptSubscriptions>();
        services.TryAddSingleton<ConnectionBindings>();
        services.TryAddSingleton<ILiveConnections, LiveConnectionCheck>();
        return services;
    }

    public static IEndpointConventionBuilder MapUserEventsHub(this IEndpointRouteBuilder endpoints) =>
        endpoints.MapHub<UserEventsHub>(UserEventsHub.Path, options =>
        {
            // A brief drop between a browser and the relay replays what was sent meanwhile on the same
            // connection; only a full reconnect (a new connection id) may have missed messages.
            options.AllowStatefulReconnects = true;
            // A connection ends when its token does; the client comes back with a fresh one.
            options.CloseOnAuthenticationExpiration = true;
        })
        .RequireCors(BrowserOrigins.CorsPolicyName)
        // On both endpoints MapHub maps: negotiate, and the connection itself (a WebSocket may skip negotiate).
        .RequireRateLimiting(ConnectionRateLimiting.PolicyName);
}
