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
    private readonly Counter<long> _connectionsOverflowed;
    private readonly Counter<long> _stalledConnectionsDisconnected;
    private readonly Histogram<double> _deliveryLag;
    private readonly Counter<long> _claimsWon;
    private readonly Counter<long> _claimsLost;
    private readonly Counter<long> _clusterMessagesPublished;
    private readonly Counter<long> _clusterMessagesReceived;
    private readonly Counter<long> _clusterResyncs;
    private readonly Meter _meter;

    public RelayMetrics(IMeterFactory meterFactory)
    {
        var meter = _meter = meterFactory.Create(MeterName);
        _eventsReceived = meter.CreateCounter<long>("reflector_relay.events.received", "{event}", "Upstream frames received.");
        _eventsRelayed = meter.CreateCounter<long>("reflector_relay.events.relayed", "{event}", "Upstream events sent to a user's group.");
        _eventsDropped = meter.CreateCounter<long>("reflector_relay.events.dropped", "{event}", "Upstream frames dropped, by reason.");
        _handshakes = meter.CreateCounter<long>("reflector_relay.upstream.handshakes", "{handshake}", "Upstream sockets opened.");
        _refusedHandshakes = meter.CreateCounter<long>("reflector_relay.upstream.refused", "{handshake}", "Upstream handshakes refused for the token.");
        _reconnects = meter.CreateCounter<long>("reflector_relay.upstream.reconnects", "{attempt}", "Upstream reconnect attempts scheduled.");
        _connectionsOverflowed = meter.CreateCounter<long>(
            "reflector_relay.connections.overflowed", "{overflow}",
            "Times a browser connection fell past its byte budget and its backlog was replaced by one resync.");
        _stalledConnectionsDisconnected = meter.CreateCounter<long>(
            "reflector_relay.connections.stalled", "{connection}",
            "Browser connections disconnected because their writes made no progress for Limits:StalledConnectionTimeout.");
        _claimsWon = meter.CreateCounter<long>(
            "reflector_relay.cluster.claims_won", "{claim}",
            "Upstream sockets this relay came to hold, by kind: claim (nobody held it), failover (its relay had died), fallback (Redis unreachable).");
        _claimsLost = meter.CreateCounter<long>(
            "reflector_relay.cluster.claims_lost", "{claim}", "Upstream sockets this relay let go because another relay's claim won.");
        _clusterMessagesPublished = meter.CreateCounter<long>(
            "reflector_relay.cluster.messages_published", "{message}", "Messages this relay published for the user's connections on other relays.");
        _clusterMessagesReceived = meter.CreateCounter<long>(
            "reflector_relay.cluster.messages_received", "{message}", "Messages from other relays received on the channels of this relay's users.");
        _clusterResyncs = meter.CreateCounter<long>(
            "reflector_relay.cluster.resyncs", "{resync}",
            "Resyncs sent to this relay's tabs of a stream because they may have missed the holder's messages, by reason: " +
            "sequence_gap, subscription_lost, subscribe_failed, subscribe_pending, rejoined, presence_lapsed, lease_lost.");
        _deliveryLag = meter.CreateHistogram(
            "reflector_relay.events.delivery_lag",
            "s",
            "Time from an upstream frame's arrival until its message is queued for every connection of the user.",
            tags: null,
            new InstrumentAdvice<double> { HistogramBucketBoundaries = DeliveryLagBuckets });
    }

    /// <summary>Sub-millisecond to seconds: a healthy relay sits in the first few buckets.</summary>
    internal static IReadOnlyList<double> DeliveryLagBuckets { get; } =
        [0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

    /// <summary>
    /// Publishes the live state of the users' upstreams as observable instruments, read at each collection from
    /// counters kept as things change: a scrape costs a few reads, whatever the number of users, and takes no lock
    /// that connects need. Called once by the registry that owns the state.
    /// </summary>
    public void ObserveUpstreams(UpstreamTally users)
    {
        ArgumentNullException.ThrowIfNull(users);
        _meter.CreateObservableUpDownCounter(
            "reflector_relay.connections",
            () => users.Connections,
            "{connection}",
            "Browser connections attached to an upstream.");
        _meter.CreateObservableUpDownCounter(
            "reflector_relay.users",
            () => users.Users,
            "{user}",
            "Users with at least one live connection.");
        _meter.CreateObservableUpDownCounter(
            "reflector_relay.upstream.open_sockets",
            () => users.OpenSockets,
            "{socket}",
            "Upstream sockets open right now.");
        _meter.CreateObservableGauge(
            "reflector_relay.upstreams",
            users.ByState,
            "{upstream}",
            "Upstreams (one per user, lingering ones included) by the state their clients were last told.");
    }

    /// <summary>Publishes how many transcript streams (one per user and transcript subscribed to) exist, from the same kind of counters.</summary>
    public void ObserveTranscriptStreams(UpstreamTally transcripts)
    {
        ArgumentNullException.ThrowIfNull(transcripts);
        _meter.CreateObservableUpDownCounter(
            "reflector_relay.transcript_streams",
            () => transcripts.Streams,
            "{stream}",
            "Transcript streams (one per user and transcript subscribed to, lingering ones included).");
    }

    /// <summary>Publishes how many hub connections are anonymous viewers of public transcripts.</summary>
    public void ObserveAnonymousConnections(Func<int> count)
    {
        ArgumentNullException.ThrowIfNull(count);
        _meter.CreateObservableUpDownCounter(
            "reflector_relay.anonymous_connections",
            count,
            "{connection}",
            "Browser connections without a token, following public transcripts (Anonymous:Enabled).");
    }

    /// <summary>Publishes how many connection tokens are bound to their user.</summary>
    public void ObserveConnectionBindings(Func<int> count)
    {
        ArgumentNullException.ThrowIfNull(count);
        _meter.CreateObservableUpDownCounter(
            "reflector_relay.connection_bindings",
            count,
            "{connection}",
            "Connection tokens bound to their user: live connections, and negotiated ones not started yet.");
    }

    /// <summary>Publishes whether this relay reaches its cluster's Redis (1) or not (0).</summary>
    public void ObserveCluster(Func<bool> redisConnected)
    {
        ArgumentNullException.ThrowIfNull(redisConnected);
        _meter.CreateObservableGauge(
            "reflector_relay.cluster.redis_connected",
            () => redisConnected() ? 1 : 0,
            "{connection}",
            "Whether this relay reaches the cluster's Redis: 0 means it serves its users from sockets of its own.");
    }

    public void ClusterClaimWon(string kind) => _claimsWon.Add(1, new KeyValuePair<string, object?>("kind", kind));

    public void ClusterClaimLost() => _claimsLost.Add(1);

    public void ClusterMessagePublished() => _clusterMessagesPublished.Add(1);

    public void ClusterMessageReceived() => _clusterMessagesReceived.Add(1);

    public void ClusterResync(string reason) => _clusterResyncs.Add(1, new KeyValuePair<string, object?>("reason", reason));

    public void EventReceived() => _eventsReceived.Add(1);

    public void EventRelayed() => _eventsRelayed.Add(1);

    public void EventDelivered(TimeSpan lag) => _deliveryLag.Record(lag.TotalSeconds);

    public void EventDropped(DropReason reason) =>
        _eventsDropped.Add(1, new KeyValuePair<string, object?>("reason", reason.ToString()));

    public void HandshakeCompleted() => _handshakes.Add(1);

    public void HandshakeRefused() => _refusedHandshakes.Add(1);

    public void ReconnectScheduled() => _reconnects.Add(1);

    public void ConnectionOverflowed() => _connectionsOverflowed.Add(1);

    public void StalledConnectionDisconnected() => _stalledConnectionsDisconnected.Add(1);
}
