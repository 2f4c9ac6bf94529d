using System.Diagnostics.Metrics;
using Reflector.Relay.Events;

namespace Reflector.Relay.Diagnostics;

/// <summary>The relay's own instruments, on the <c>Reflector.Relay</c> meter.</summary>
internal sealed class RelayMetrics
{
    public const string MeterName = "Reflector.Relay";

    private readonly Counter<long> _eventsReceived;
    private readonly Counter<long> _eventsRelayed;
    private readonly Counter<long> _eventsDropped;
    private readonly Counter<long> _handshakes;
    private readonly Counter<long> _refusedHandshakes;
    private readonly Counter<long> _reconnects;
    private readonly Counter<long> _slowConnectionsDisconnected;

    public RelayMetrics(IMeterFactory meterFactory)
    {
        var meter = meterFactory.Create(MeterName);
        _eventsReceived = meter.CreateCounter<long>("reflector_relay.events.received", "{event}", "Upstream frames received.");
        _eventsRelayed = meter.CreateCounter<long>("reflector_relay.events.relayed", "{event}", "Upstream events sent to a user's group.");
        _eventsDropped = meter.CreateCounter<long>("reflector_relay.events.dropped", "{event}", "Upstream frames dropped, by reason.");
        _handshakes = meter.CreateCounter<long>("reflector_relay.upstream.handshakes", "{handshake}", "Upstream sockets opened.");
        _refusedHandshakes = meter.CreateCounter<long>("reflector_relay.upstream.refused", "{handshake}", "Upstream handshakes refused for the token.");
        _reconnects = meter.CreateCounter<long>("reflector_relay.upstream.reconnects", "{attempt}", "Upstream reconnect attempts scheduled.");
        _slowConnectionsDisconnected = meter.CreateCounter<long>(
            "reflector_relay.connections.overflowed", "{connection}", "Browser connections disconnected because they stopped reading.");
    }

    public void EventReceived() => _eventsReceived.Add(1);

    public void EventRelayed() => _eventsRelayed.Add(1);

    public void EventDropped(DropReason reason) =>
        _eventsDropped.Add(1, new KeyValuePair<string, object?>("reason", reason.ToString()));

    public void HandshakeCompleted() => _handshakes.Add(1);

    public void HandshakeRefused() => _refusedHandshakes.Add(1);

    public void ReconnectScheduled() => _reconnects.Add(1);

    public void SlowConnectionDisconnected() => _slowConnectionsDisconnected.Add(1);
}
