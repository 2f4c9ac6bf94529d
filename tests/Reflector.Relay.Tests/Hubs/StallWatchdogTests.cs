using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.Metrics.Testing;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;
using Reflector.Relay.Diagnostics;
using Reflector.Relay.Events;
using Reflector.Relay.Hubs;
using Reflector.Relay.Tests.Infrastructure;

namespace Reflector.Relay.Tests.Hubs;

public sealed class StallWatchdogTests : IDisposable
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(20);
    private readonly ServiceProvider _services = new ServiceCollection().AddMetrics().BuildServiceProvider();
    private readonly FakeTimeProvider _time = new();
    private readonly ConnectionRegistry _registry = new();
    private readonly MetricCollector<long> _stalled;
    private readonly StallWatchdog _watchdog;
    private readonly OutboxPolicy _policy;

    public StallWatchdogTests()
    {
        var meterFactory = _services.GetRequiredService<System.Diagnostics.Metrics.IMeterFactory>();
        _stalled = new MetricCollector<long>(meterFactory, RelayMetrics.MeterName, "reflector_relay.connections.stalled");
        _policy = new OutboxPolicy(1024, null!, null!, _time, NullLogger.Instance, () => { });
        _watchdog = new StallWatchdog(_registry, Timeout, new RelayMetrics(meterFactory), _time);
    }

    [Fact]
    public async Task On_its_own_clock_it_disconnects_a_connection_whose_write_waited_the_timeout_and_leaves_the_others()
    {
        var stalled = Connect("stalled");
        var idle = Connect("idle");
        Enqueue(stalled.Outbox);

        // Sweeps every quarter timeout: three pass before the write has waited the whole timeout.
        _time.Advance(Timeout * 3 / 4);
        Assert.Equal(0, _stalled.GetMeasurementSnapshot().EvaluateAsCounter());

        _time.Advance(Timeout / 4);
        Assert.Equal(1, _stalled.GetMeasurementSnapshot().EvaluateAsCounter());
        // SignalR aborts a connection on the thread pool.
        await TestTimeouts.Eventually(() => stalled.Client.Aborted, "the stalled connection was aborted");
        Assert.False(idle.Client.Aborted);

        // Counted once, however many sweeps pass over it until it leaves.
        _time.Advance(Timeout);
        Assert.Equal(1, _stalled.GetMeasurementSnapshot().EvaluateAsCounter());
    }

    [Fact]
    public void Disposed_it_sweeps_no_more()
    {
        var stalled = Connect("stalled");
        Enqueue(stalled.Outbox);

        _watchdog.Dispose();
        _time.Advance(Timeout * 2);

        Assert.Equal(0, _stalled.GetMeasurementSnapshot().EvaluateAsCounter());
        // Still open: the watchdog never closed it.
        Assert.True(stalled.Outbox.AbortIfStalled(Timeout));
    }

    private (PipeHubConnection Client, ConnectionOutbox Outbox) Connect(string connectionId)
    {
        var client = new PipeHubConnection(connectionId, "alice");
        var outbox = new ConnectionOutbox(client.Context, _policy);
        _registry.Add(outbox, "alice");
        return (client, outbox);
    }

    // The client reads nothing: this write waits for it.
    private static void Enqueue(ConnectionOutbox outbox) =>
        outbox.Enqueue(OutboundMessage.Of(ClientMethods.Invalidate, [new InvalidateMessage.TranscriptCreated("t1")]));

    public void Dispose()
    {
        _watchdog.Dispose();
        foreach (var outbox in _registry.All())
        {
            outbox.AbortIfStalled(TimeSpan.Zero);
        }

        _stalled.Dispose();
        _services.Dispose();
    }
}
