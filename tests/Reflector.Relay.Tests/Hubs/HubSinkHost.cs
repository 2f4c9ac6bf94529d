using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;
using Reflector.Relay.Diagnostics;
using Reflector.Relay.Hubs;
using Reflector.Relay.Limits;

namespace Reflector.Relay.Tests.Hubs;

/// <summary>The hub's services as the relay registers them, without a server: sinks, hub context, lifetime manager.</summary>
internal sealed class HubSinkHost : IAsyncDisposable
{
    private readonly ServiceProvider _services;
    private readonly List<PipeHubConnection> _clients = [];

    public HubSinkHost(long maxQueuedBytesPerConnection = 1024 * 1024)
    {
        var services = new ServiceCollection()
            .AddLogging()
            .AddMetrics()
            .AddSingleton<TimeProvider>(new FakeTimeProvider())
            .AddSingleton<RelayMetrics>()
            .Configure<ConnectionLimitsOptions>(limits => limits.MaxQueuedBytesPerConnection = maxQueuedBytesPerConnection);
        services.AddUserEventsHub();
        _services = services.BuildServiceProvider();
    }

    public OutboxHubLifetimeManager Manager => _services.GetRequiredService<OutboxHubLifetimeManager>();

    public T Get<T>()
        where T : notnull => _services.GetRequiredService<T>();

    public async Task<PipeHubConnection> ConnectAsync(string connectionId, string? userId)
    {
        var client = new PipeHubConnection(connectionId, userId);
        await Manager.OnConnectedAsync(client.Context);
        _clients.Add(client);
        return client;
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var client in _clients)
        {
            client.Context.Abort();
            await Manager.OnDisconnectedAsync(client.Context);
        }

        await _services.DisposeAsync();
    }
}
