using Microsoft.AspNetCore.SignalR;
using Microsoft.AspNetCore.SignalR.Protocol;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;
using Reflector.Relay.Events;
using Reflector.Relay.Hubs;

namespace Reflector.Relay.Tests.Hubs;

public sealed class OutboxBacklogTests
{
    private const long Budget = 1024;
    private static readonly JsonHubProtocol Protocol = new(Options.Create(new JsonHubProtocolOptions()));
    private readonly OutboxPolicy _policy;
    private readonly OutboxBacklog _backlog;

    public OutboxBacklogTests()
    {
        _policy = new OutboxPolicy(
            Budget,
            Serialized(ClientMethods.Invalidate, new InvalidateMessage.Resync(ResyncReason.Overflow)),
            transcriptId => Serialized(ClientMethods.TranscriptEvent, new TranscriptEventMessage.Resync(transcriptId, ResyncReason.Overflow)),
            new FakeTimeProvider(),
            NullLogger.Instance,
            () => { });
        _backlog = new OutboxBacklog(_policy, Protocol);
    }

    [Fact]
    public void Each_message_counts_its_bytes_as_the_protocol_serializes_it_until_it_is_taken()
    {
        var first = Invalidate("first");
        var second = Invalidate("second");

        Assert.True(_backlog.TryAdd(first, shared: false));
        Assert.True(_backlog.TryAdd(second, shared: false));
        Assert.Equal(SizeOf(first) + SizeOf(second), _backlog.Bytes);

        Assert.True(_backlog.TryDequeue(out var taken));
        Assert.Same(first.Message, taken);
        Assert.Equal(SizeOf(second), _backlog.Bytes);
        Assert.True(_backlog.TryDequeue(out _));
        Assert.False(_backlog.TryDequeue(out _));
        Assert.True(_backlog.IsEmpty);
        Assert.Equal(0, _backlog.Bytes);
    }

    [Fact]
    public void Shared_messages_cost_nothing_against_the_budget()
    {
        for (var i = 0; i < 10; i++)
        {
            Assert.True(_backlog.TryAdd(TranscriptTitle("t", new string('x', 400)), shared: true));
        }

        Assert.Equal(0, _backlog.Bytes);
        Assert.True(_backlog.TryAdd(Invalidate("live"), shared: false));
    }

    [Fact]
    public void Past_the_budget_the_backlog_becomes_one_resync_one_per_transcript_and_the_newest_status_in_that_order()
    {
        Assert.True(_backlog.TryAdd(Status(UpstreamStatus.Reconnecting()), shared: false));
        Assert.True(_backlog.TryAdd(TranscriptTitle("t2", "title"), shared: false));
        Assert.True(_backlog.TryAdd(Invalidate("queued"), shared: false));
        Assert.True(_backlog.TryAdd(TranscriptTitle("t1", "title"), shared: true));
        Assert.True(_backlog.TryAdd(Status(UpstreamStatus.Connected), shared: false));

        Assert.False(_backlog.TryAdd(TranscriptTitle("t2", new string('x', 1024)), shared: false));

        SerializedHubMessage[] expected =
        [
            Serialized(ClientMethods.Invalidate, new InvalidateMessage.Resync(ResyncReason.Overflow)),
            Serialized(ClientMethods.TranscriptEvent, new TranscriptEventMessage.Resync("t2", ResyncReason.Overflow)),
            Serialized(ClientMethods.TranscriptEvent, new TranscriptEventMessage.Resync("t1", ResyncReason.Overflow)),
            Status(UpstreamStatus.Connected).Message,
        ];
        Assert.Equal(expected.Select(Json), Drain().Select(Json));
    }

    [Fact]
    public void An_overflow_of_transcript_events_alone_sends_no_invalidate_resync_and_keeps_no_status_it_never_had()
    {
        Assert.True(_backlog.TryAdd(TranscriptTitle("t1", new string('x', 600)), shared: false));
        Assert.False(_backlog.TryAdd(TranscriptTitle("t1", new string('x', 600)), shared: false));

        Assert.Equal(
            [Json(Serialized(ClientMethods.TranscriptEvent, new TranscriptEventMessage.Resync("t1", ResyncReason.Overflow)))],
            Drain().Select(Json));
    }

    private List<SerializedHubMessage> Drain()
    {
        var messages = new List<SerializedHubMessage>();
        while (_backlog.TryDequeue(out var message))
        {
            messages.Add(message);
        }

        return messages;
    }

    private static int SizeOf(OutboundMessage message) => message.Message.GetSerializedMessage(Protocol).Length;

    private static string Json(SerializedHubMessage message) =>
        System.Text.Encoding.UTF8.GetString(message.GetSerializedMessage(Protocol).Span);

    private static OutboundMessage Invalidate(string transcriptId) =>
        OutboundMessage.Of(ClientMethods.Invalidate, [new InvalidateMessage.TranscriptCreated(transcriptId)]);

    private static OutboundMessage TranscriptTitle(string transcriptId, string title) =>
        OutboundMessage.Of(ClientMethods.TranscriptEvent, [new TranscriptEventMessage.FinalTitle(transcriptId, title)]);

    private static OutboundMessage Status(UpstreamStatus status) => OutboundMessage.Of(ClientMethods.UpstreamStatus, [status]);

    private static SerializedHubMessage Serialized(string method, object argument) => new(new InvocationMessage(method, [argument]));
}
