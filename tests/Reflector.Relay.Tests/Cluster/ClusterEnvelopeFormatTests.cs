using Reflector.Relay.Cluster;
using Reflector.Relay.Events;

namespace Reflector.Relay.Tests.Cluster;

/// <summary>
/// The envelopes on a stream's channel and in its status key: byte for byte what relays of every version write, each
/// stream kind with its own payload, and anything else refused rather than half-read.
/// </summary>
public sealed class ClusterEnvelopeFormatTests
{
    [Fact]
    public void A_user_events_message_is_written_as_relays_of_every_version_write_it()
    {
        var envelope = new ClusterEnvelope<InvalidateMessage>("node-a/1", 1700000000123, 7, ClusterMessageKind.Message, new InvalidateMessage.TranscriptCreated("t1"));

        Assert.Equal(
            """{"n":"node-a/1","e":1700000000123,"q":7,"k":"invalidate","i":{"type":"transcriptCreated","transcriptId":"t1"}}""",
            ClusterEnvelopeFormats.UserEvents.Serialize(envelope));
    }

    [Fact]
    public void A_transcript_event_travels_under_its_own_name_not_as_an_invalidation()
    {
        var envelope = new ClusterEnvelope<TranscriptEventMessage>(
            "node-a/2", 42, 1, ClusterMessageKind.Message, new TranscriptEventMessage.LiveText("t1", "hello", Translation: null));

        var json = ClusterEnvelopeFormats.TranscriptEvents.Serialize(envelope);

        Assert.StartsWith("""{"n":"node-a/2","e":42,"q":1,"k":"invalidate","t":{"type":"transcript","text":"hello""", json);
        Assert.DoesNotContain("\"i\":", json);
    }

    [Fact]
    public void A_status_is_written_without_a_message()
    {
        var envelope = new ClusterEnvelope<InvalidateMessage>("node-a/1", 5, 2, ClusterMessageKind.Status, Status: UpstreamStatus.Reconnecting(TimeSpan.FromMilliseconds(500)));

        Assert.Equal(
            """{"n":"node-a/1","e":5,"q":2,"k":"status","s":{"state":"reconnecting","retryInMs":500}}""",
            ClusterEnvelopeFormats.UserEvents.Serialize(envelope));
    }

    [Fact]
    public void A_signal_carries_its_header_alone_and_reads_as_an_envelope_of_either_kind()
    {
        var json = new ClusterSignal("node-a", 0, 3, ClusterMessageKind.Probe).ToJson();

        Assert.Equal("""{"n":"node-a","e":0,"q":3,"k":"probe"}""", json);
        Assert.True(ClusterEnvelopeFormats.UserEvents.TryParse(json, out var user, out _));
        Assert.Equal(new ClusterEnvelope<InvalidateMessage>("node-a", 0, 3, ClusterMessageKind.Probe), user);
        Assert.True(ClusterEnvelopeFormats.TranscriptEvents.TryParse(json, out var transcript, out _));
        Assert.Equal(ClusterMessageKind.Probe, transcript.Kind);
    }

    [Fact]
    public void Every_kind_of_message_round_trips()
    {
        var user = new ClusterEnvelope<InvalidateMessage>("n/1", 9, 4, ClusterMessageKind.Message, new InvalidateMessage.TranscriptStatusChanged("t9", TranscriptStatus.Ended));
        var transcript = new ClusterEnvelope<TranscriptEventMessage>("n/2", 9, 5, ClusterMessageKind.Message, new TranscriptEventMessage.StatusChanged("t9", TranscriptStatus.Ended));
        var status = new ClusterEnvelope<TranscriptEventMessage>("n/2", 9, 6, ClusterMessageKind.Status, Status: UpstreamStatus.Connected);

        Assert.True(ClusterEnvelopeFormats.UserEvents.TryParse(ClusterEnvelopeFormats.UserEvents.Serialize(user), out var userBack, out _));
        Assert.Equal(user, userBack);
        Assert.True(ClusterEnvelopeFormats.TranscriptEvents.TryParse(ClusterEnvelopeFormats.TranscriptEvents.Serialize(transcript), out var transcriptBack, out _));
        Assert.Equal(transcript, transcriptBack);
        Assert.True(ClusterEnvelopeFormats.TranscriptEvents.TryParse(ClusterEnvelopeFormats.TranscriptEvents.Serialize(status), out var statusBack, out _));
        Assert.Equal(status, statusBack);
    }

    [Fact]
    public void A_message_of_the_other_stream_kind_carries_nothing_for_this_one()
    {
        var json = ClusterEnvelopeFormats.UserEvents.Serialize(
            new ClusterEnvelope<InvalidateMessage>("n/1", 1, 1, ClusterMessageKind.Message, new InvalidateMessage.TranscriptDeleted("t1")));

        Assert.True(ClusterEnvelopeFormats.TranscriptEvents.TryParse(json, out var envelope, out _));
        Assert.Null(envelope.Message);
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("not json")]
    [InlineData("null")]
    [InlineData("{}")]
    [InlineData("[1,2]")]
    [InlineData("""{"n":"n/1","e":1,"q":1,"k":"shout"}""")]
    [InlineData("""{"n":"n/1","e":"soon","q":1,"k":"status"}""")]
    [InlineData("""{"n":"n/1","e":1,"q":1,"k":"invalidate","i":{"type":"noSuchEvent"}}""")]
    [InlineData("""{"n":"n/1","e":1,"q":1,"k":"invalidate","i":""")]
    public void Anything_that_is_not_an_envelope_is_refused_with_a_reason(string? json)
    {
        Assert.False(ClusterEnvelopeFormats.UserEvents.TryParse(json, out var envelope, out var error));
        Assert.Null(envelope);
        Assert.False(string.IsNullOrEmpty(error));
    }
}
