using System.Text;
using Microsoft.AspNetCore.SignalR;
using Microsoft.AspNetCore.SignalR.Protocol;
using Microsoft.Extensions.Options;
using Reflector.Relay.Events;
using Reflector.Relay.Transcripts;

namespace Reflector.Relay.Tests.Hubs;

public sealed class HubTranscriptEventSinkTests : IAsyncDisposable
{
    private readonly HubSinkHost _host = new(maxQueuedBytesPerConnection: 1024);

    [Fact]
    public async Task An_event_reaches_the_connections_named_and_comes_back_as_the_historys_copy_of_the_same_wire_message()
    {
        var first = await _host.ConnectAsync("tab-1", "alice");
        var second = await _host.ConnectAsync("tab-2", "alice");
        var other = await _host.ConnectAsync("tab-3", "alice");
        var sink = _host.Get<ITranscriptEventSink>();
        var message = new TranscriptEventMessage.FinalTitle("t1", "title");

        var kept = sink.Send(["tab-1", "tab-2"], message);
        sink.Send(["tab-3"], new TranscriptEventMessage.FinalTitle("t2", "other"));

        Assert.Equal(["transcriptEvent finalTitle t1"], await first.ReadMessagesAsync(1));
        Assert.Equal(["transcriptEvent finalTitle t1"], await second.ReadMessagesAsync(1));
        Assert.Equal(["transcriptEvent finalTitle t2"], await other.ReadMessagesAsync(1));
        var json = new JsonHubProtocol(Options.Create(new JsonHubProtocolOptions()));
        Assert.Equal(
            Encoding.UTF8.GetString(json.GetMessageBytes(new InvocationMessage("transcriptEvent", [message])).Span),
            Encoding.UTF8.GetString(kept.GetSerializedMessage(json).Span));
    }

    [Fact]
    public async Task A_replayed_history_larger_than_the_budget_arrives_whole_ahead_of_later_events_without_an_overflow()
    {
        var tab = await _host.ConnectAsync("tab", "alice");
        var sink = _host.Get<ITranscriptEventSink>();
        var history = Enumerable.Range(0, 6)
            .Select(i => sink.Send([], new TranscriptEventMessage.FinalTitle("t" + i, new string('x', 400))))
            .ToList();
        // Something in flight first, so the replay queues rather than writes.
        sink.Send(["tab"], new TranscriptEventMessage.FinalTitle("first", "title"));

        sink.Replay("tab", "t", history);
        sink.Send(["tab"], new TranscriptEventMessage.LiveText("t9", "live", null));

        Assert.Equal(
            ["transcriptEvent finalTitle first", .. Enumerable.Range(0, 6).Select(i => $"transcriptEvent finalTitle t{i}"), "transcriptEvent transcript t9"],
            await tab.ReadMessagesAsync(8));
    }

    public ValueTask DisposeAsync() => _host.DisposeAsync();
}
