using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.Metrics.Testing;
using Microsoft.Extensions.Logging.Testing;
using Reflector.Relay.Cluster;
using Reflector.Relay.Diagnostics;
using Reflector.Relay.Events;

namespace Reflector.Relay.Tests.Cluster;

/// <summary>A follower's view of the holder's channel: fencing, order, the newest status, and a resync for every gap, before what follows it.</summary>
public sealed class StreamFollowerTests : IDisposable
{
    private static readonly ClusterStream Stream = ClusterStream.ForTranscript("alice\u001ft1");

    private readonly ServiceProvider _services = new ServiceCollection().AddMetrics().BuildServiceProvider();
    private readonly EpochFence _fence = new();
    private readonly ClaimLease _lease;
    private readonly RecordingObserver _observer = new();
    private readonly FakeLogger _logger = new();
    private readonly MetricCollector<long> _resyncs;
    private readonly StreamFollower<TranscriptEventMessage> _follower;

    public StreamFollowerTests()
    {
        var meterFactory = _services.GetRequiredService<System.Diagnostics.Metrics.IMeterFactory>();
        _resyncs = new MetricCollector<long>(meterFactory, RelayMetrics.MeterName, "reflector_relay.cluster.resyncs");
        _lease = new ClaimLease(_fence);
        _follower = new StreamFollower<TranscriptEventMessage>(Stream, _lease, _fence, _observer, new RelayMetrics(meterFactory), _logger);
    }

    [Fact]
    public async Task The_holders_messages_reach_the_observer_in_order()
    {
        await _follower.OnHolderEnvelopeAsync(Message(epoch: 10, sequence: 1, "a"), fromChannel: true);
        await _follower.OnHolderEnvelopeAsync(Message(epoch: 10, sequence: 2, "b"), fromChannel: true);

        Assert.Equal(["a", "b"], _observer.Seen);
    }

    [Fact]
    public async Task A_relay_that_lost_its_claim_is_not_heard_once_the_new_holder_was()
    {
        await _follower.OnHolderEnvelopeAsync(Message(epoch: 20, sequence: 1, "new"), fromChannel: true);
        await _follower.OnHolderEnvelopeAsync(Message(epoch: 10, sequence: 9, "stale"), fromChannel: true);

        Assert.Equal(["new"], _observer.Seen);
    }

    [Fact]
    public async Task A_skipped_number_brings_one_resync_before_the_message_after_it()
    {
        await _follower.OnHolderEnvelopeAsync(Message(epoch: 10, sequence: 1, "a"), fromChannel: true);
        await _follower.OnHolderEnvelopeAsync(Message(epoch: 10, sequence: 3, "c"), fromChannel: true);
        await _follower.OnHolderEnvelopeAsync(Message(epoch: 10, sequence: 4, "d"), fromChannel: true);

        Assert.Equal(["a", "resync", "c", "d"], _observer.Seen);
        Assert.Equal(["sequence_gap"], _resyncs.GetMeasurementSnapshot().Select(measurement => (string)measurement.Tags["reason"]!));
        var logged = Assert.Single(_logger.Collector.GetSnapshot(), record => record.Id.Id == Relay.Logging.LogEventIds.Cluster.Resync);
        Assert.Contains(logged.StructuredState!, pair => pair is { Key: "UserId", Value: "alice" });
        Assert.Contains(logged.StructuredState!, pair => pair is { Key: "TranscriptId", Value: "t1" });
    }

    [Fact]
    public async Task A_gap_is_told_only_once_the_channel_is_heard_and_only_the_first_reason()
    {
        _follower.MissedMessages("subscription_lost");
        _follower.MissedMessages("rejoined");
        Assert.Empty(_observer.Seen);

        await _follower.TellGapAsync();
        await _follower.TellGapAsync();

        Assert.Equal(["resync"], _observer.Seen);
        Assert.Equal(["subscription_lost"], _resyncs.GetMeasurementSnapshot().Select(measurement => (string)measurement.Tags["reason"]!));
    }

    [Fact]
    public async Task A_pending_gap_is_told_before_the_next_message_heard_on_the_channel()
    {
        _follower.MissedMessages("rejoined");

        await _follower.OnHolderEnvelopeAsync(Message(epoch: 10, sequence: 1, "a"), fromChannel: true);

        Assert.Equal(["resync", "a"], _observer.Seen);
    }

    [Fact]
    public async Task A_status_read_when_subscribing_tells_no_gap_and_only_the_newest_status_is_passed_on()
    {
        _follower.MissedMessages("rejoined");

        await _follower.OnHolderEnvelopeAsync(Status(epoch: 10, sequence: 5, UpstreamStatus.Connected), fromChannel: false);
        await _follower.OnHolderEnvelopeAsync(Status(epoch: 10, sequence: 5, UpstreamStatus.Connected), fromChannel: true);
        await _follower.OnHolderEnvelopeAsync(Status(epoch: 10, sequence: 4, UpstreamStatus.Connecting), fromChannel: true);

        Assert.Equal(["status connected", "resync"], _observer.Seen);
    }

    [Fact]
    public async Task Holding_the_stream_this_relay_needs_no_resync_for_what_it_missed_as_a_follower()
    {
        _follower.MissedMessages("subscription_lost");
        _lease.Grant("n/1|30");

        await _follower.TellGapAsync();
        _lease.Take();
        await _follower.TellGapAsync();

        Assert.Empty(_observer.Seen);
    }

    [Fact]
    public async Task A_hold_lost_to_another_relays_claim_stops_this_relays_socket_and_tells_a_resync_before_the_new_holder_is_heard()
    {
        _lease.Grant("n/1|30");
        Assert.Equal(SettleOutcome.Lost, _lease.Settle(new ClaimResult(false, "other/1|40", false), hearsHolder: true, out var hold));

        await _follower.OnHoldLostAsync(hold!);
        await _follower.OnHolderEnvelopeAsync(Message(epoch: 40, sequence: 1, "b"), fromChannel: true);

        Assert.True(hold!.IsCancellationRequested);
        Assert.Equal(["resync", "b"], _observer.Seen);
        Assert.Equal(["lease_lost"], _resyncs.GetMeasurementSnapshot().Select(measurement => (string)measurement.Tags["reason"]!));
    }

    [Fact]
    public async Task Counting_from_the_holders_position_a_lost_first_message_brings_a_resync_before_the_one_heard()
    {
        _follower.CountFrom(new HolderPosition(10, 4));

        await _follower.OnHolderEnvelopeAsync(Message(epoch: 10, sequence: 6, "f"), fromChannel: true);

        Assert.Equal(["resync", "f"], _observer.Seen);
    }

    [Fact]
    public async Task A_new_holders_first_message_is_no_gap_but_missing_its_start_is()
    {
        await _follower.OnHolderEnvelopeAsync(Message(epoch: 10, sequence: 1, "a"), fromChannel: true);
        await _follower.OnHolderEnvelopeAsync(Message(epoch: 11, sequence: 1, "b"), fromChannel: true);
        await _follower.OnHolderEnvelopeAsync(Message(epoch: 12, sequence: 2, "d"), fromChannel: true);

        Assert.Equal(["a", "b", "resync", "d"], _observer.Seen);
    }

    public void Dispose()
    {
        _resyncs.Dispose();
        _services.Dispose();
    }

    private static ClusterEnvelope<TranscriptEventMessage> Message(long epoch, long sequence, string text) =>
        new("other/1", epoch, sequence, ClusterMessageKind.Message, new TranscriptEventMessage.LiveText("t1", text, Translation: null));

    private static ClusterEnvelope<TranscriptEventMessage> Status(long epoch, long sequence, UpstreamStatus status) =>
        new("other/1", epoch, sequence, ClusterMessageKind.Status, Status: status);

    private sealed class RecordingObserver : IClaimObserver<TranscriptEventMessage>
    {
        public List<string> Seen { get; } = [];

        public Task OnRemoteMessageAsync(TranscriptEventMessage message)
        {
            Seen.Add(((TranscriptEventMessage.LiveText)message).Text);
            return Task.CompletedTask;
        }

        public Task OnRemoteStatusAsync(UpstreamStatus status)
        {
            Seen.Add("status " + status.State.ToString().ToLowerInvariant());
            return Task.CompletedTask;
        }

        public Task OnRemoteGapAsync()
        {
            Seen.Add("resync");
            return Task.CompletedTask;
        }

        public void OnInterestChanged()
        {
        }

        public Task OnClaimConfirmedAsync() => Task.CompletedTask;
    }
}
