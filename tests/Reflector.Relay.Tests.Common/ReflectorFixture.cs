using Reflector.Simulator;

namespace Reflector.Relay.Tests.Common;

/// <summary>A simulated Reflector on 127.0.0.1, a real WebSocket server, shared by a test class.</summary>
public sealed class ReflectorFixture : IAsyncLifetime
{
    public SimulatedReflector Reflector { get; private set; } = null!;

    public async Task InitializeAsync() =>
        Reflector = await SimulatedReflector.StartAsync(new SimulatorOptions()).DefaultTimeout();

    public async Task DisposeAsync() => await Reflector.DisposeAsync();
}
