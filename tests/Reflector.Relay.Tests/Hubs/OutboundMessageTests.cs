using Reflector.Relay.Events;
using Reflector.Relay.Hubs;

namespace Reflector.Relay.Tests.Hubs;

public sealed class OutboundMessageTests
{
    [Fact]
    public void A_status_is_a_status_a_transcript_event_names_its_transcript_and_anything_else_is_an_invalidation()
    {
        var status = OutboundMessage.Of(ClientMethods.UpstreamStatus, [UpstreamStatus.Connected]);
        var transcriptEvent = OutboundMessage.Of(ClientMethods.TranscriptEvent, [new TranscriptEventMessage.FinalTitle("t1", "title")]);
        var invalidation = OutboundMessage.Of(ClientMethods.Invalidate, [new InvalidateMessage.TranscriptCreated("t1")]);

        Assert.Equal((true, null), (status.IsStatus, status.TranscriptId));
        Assert.Equal((false, "t1"), (transcriptEvent.IsStatus, transcriptEvent.TranscriptId));
        Assert.Equal((false, null), (invalidation.IsStatus, invalidation.TranscriptId));
    }
}
