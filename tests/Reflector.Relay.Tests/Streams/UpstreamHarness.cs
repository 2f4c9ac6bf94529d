using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.Metrics.Testing;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;
using Reflector.Relay.Diagnostics;
using Reflector.Relay.Events;
using Reflector.Relay.Limits;
using Reflector.Relay.Tests.Infrastructure;
using Reflector.Relay.Streams;
using Reflector.Simulator;

namespace Reflector.Relay.Tests.Streams;

/// <summary>
/// An <see cref="UpstreamConnectionManager"/> on fake time, talking to a real simulated Reflector, with
/// deliveries recorded instead of sent through SignalR.
/// </summary>
internal sealed class UpstreamHarness : IAsyncDisposable
{
    private readonly ServiceProvider _services;
    private int _connectionIds;

    public UpstreamHarness(SimulatedReflector reflector, Action<UpstreamOptions>? configure = null, int maxConnectionsPerUser = 20)
    {
        Reflector = reflector;
        Options = new UpstreamOptions { EventsUrl = reflector.EventsUrl.ToString() };
        configure?.Invoke(Options);
        _services = new ServiceCollection().AddMetrics().BuildServiceProvider();
        var meterFactory = MeterFactory = _services.GetRequiredService<System.Diagnostics.Metrics.IMeterFactory>();
        Dropped = new MetricCollector<long>(meterFactory, RelayMetrics.MeterName, "reflector_relay.events.dropped");
        Refused = new MetricCollector<long>(meterFactory, RelayMetrics.MeterName, "reflector_relay.upstream.refused");
        var options = Microsoft.Extensions.Options.Options.Create(Options);
        Manager = new UpstreamConnectionManager(
            options,
            Microsoft.Extensions.Options.Options.Create(new ConnectionLimitsOptions { MaxConnectionsPerUser = maxConnectionsPerUser }),
            new UpstreamConnector(options, Time), Sink, new RelayMetrics(meterFactory), Time, NullLoggerFactory.Instance);
        Manager.StartAsync(CancellationToken.None).GetAwaiter().GetResult();
    }

    public SimulatedReflector Reflector { get; }

    public UpstreamOptions Options { get; }

    // Tokens carry real expiry times, so fake time starts at the real now.
    public WatchedFakeTimeProvider Time { get; } = new(DateTimeOffset.UtcNow);

    public RecordingSink Sink { get; } = new();

    public UpstreamConnectionManager Manager { get; }

    /// <summary>Where the manager's instruments are created: collectors on it see this harness's relay alone.</summary>
    public System.Diagnostics.Metrics.IMeterFactory MeterFactory { get; }

    public MetricCollector<long> Dropped { get; }

    /// <summary>Refusals the relay has finished handling (not merely ones the simulator has sent).</summary>
    public MetricCollector<long> Refused { get; }

    public string NewConnectionId() => "conn-" + Interlocked.Increment(ref _connectionIds);

    public UpstreamToken TokenFor(string userId, TimeSpan? lifetime = null)
    {
        var life = lifetime ?? TimeSpan.FromHours(1);
        return new UpstreamToken(Reflector.IssueToken(userId, life), Time.GetUtcNow() + life);
    }

    public async Task<string> AttachAsync(string userId, UpstreamToken? token = null)
    {
        var connectionId = NewConnectionId();
        await Manager.AttachAsync(userId, connectionId, token ?? TokenFor(userId), CancellationToken.None).DefaultTimeout();
        return connectionId;
    }

    /// <summary>
    /// Waits for the next scheduled retry of <paramref name="userId"/>, then moves the clock past it once the
    /// retry's timer exists. Returns the delay announced to the user's tabs.
    /// </summary>
    public async Task<int> AdvancePastNextRetryAsync(string userId)
    {
        var status = await Sink.WaitForAsync<UpstreamStatus>(userId, s => s is { State: UpstreamState.Reconnecting, RetryInMs: > 0 });
        await Time.AdvancePastTimerAsync(TimeSpan.FromMilliseconds(status.RetryInMs!.Value));
        return status.RetryInMs.Value;
    }

    public Task<UpstreamStatus> WaitForStateAsync(string userId, UpstreamState state) =>
        Sink.WaitForAsync<UpstreamStatus>(userId, status => status.State == state);

    public async ValueTask DisposeAsync()
    {
        await Manager.StopAsync(CancellationToken.None).DefaultTimeout();
        Dropped.Dispose();
        Refused.Dispose();
        await _services.DisposeAsync();
    }
}
