using Microsoft.AspNetCore.SignalR;
using Microsoft.AspNetCore.SignalR.Protocol;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;
using Reflector.Relay.Events;
using Reflector.Relay.Hubs;
using Reflector.Relay.Tests.Infrastructure;

namespace Reflector.Relay.Tests.Hubs;

/// <summary>
/// The outbox over a real <see cref="HubConnectionContext"/> whose transport takes a byte only when the test reads
/// it, so "the client is behind" is exact rather than a matter of socket buffer sizes.
/// </summary>
public sealed class ConnectionOutboxTests : IAsyncDisposable
{
    private const long Budget = 1024;
    private readonly FakeTimeProvider _time = new();
    private readonly PipeHubConnection _client = new("outbox-test");
    private readonly HubConnectionContext _connection;
    private readonly ConnectionOutbox _outbox;
    private int _overflows;

    public ConnectionOutboxTests()
    {
        _connection = _client.Context;
        _outbox = new ConnectionOutbox(_connection, new OutboxPolicy(
            Budget,
            Invocation(ClientMethods.Invalidate, new InvalidateMessage.Resync(ResyncReason.Overflow)),
            transcriptId => Invocation(ClientMethods.TranscriptEvent, new TranscriptEventMessage.Resync(transcriptId, ResyncReason.Overflow)),
            _time,
            NullLogger.Instance,
            () => Interlocked.Increment(ref _overflows)));
    }

    [Fact]
    public async Task A_connection_past_its_byte_budget_gets_one_overflow_resync_and_the_newest_status_then_goes_on_live()
    {
        // The first write waits for the client; everything after it queues.
        Invalidate("first");
        Status(UpstreamStatus.Reconnecting());
        Invalidate("queued-1");
        Status(UpstreamStatus.Connected);
        Invalidate("queued-2");
        Assert.Equal(0, _overflows);

        // About 550 bytes each: the first still fits in the 1 KiB budget, the second does not.
        var title = new string('x', 450);
        for (var i = 0; i < 2; i++)
        {
            Invalidate("big-" + i, title);
        }

        Assert.Equal(1, _overflows);
        Invalidate("live");

        var received = await ReadMessagesAsync(4);
        Assert.Equal(
            ["invalidate transcriptTitleChanged first", "invalidate resync overflow", "upstreamStatus connected", "invalidate transcriptTitleChanged live"],
            received);
        Assert.False(_connection.ConnectionAborted.IsCancellationRequested);
        Assert.Equal(0, _outbox.QueuedBytes);
    }

    [Fact]
    public async Task An_overflow_without_a_queued_status_leaves_only_the_resync()
    {
        Invalidate("first");
        var title = new string('x', 450);
        for (var i = 0; i < 2; i++)
        {
            Invalidate("big-" + i, title);
        }

        Assert.Equal(1, _overflows);
        Invalidate("live");

        Assert.Equal(
            ["invalidate transcriptTitleChanged first", "invalidate resync overflow", "invalidate transcriptTitleChanged live"],
            await ReadMessagesAsync(3));
    }

    [Fact]
    public async Task Queued_bytes_are_counted_as_the_connection_protocol_serializes_them_and_released_as_they_are_written()
    {
        Invalidate("first");
        Invalidate("second");
        var expected = Invocation(ClientMethods.Invalidate, new InvalidateMessage.TranscriptTitleChanged("second", "title"))
            .GetSerializedMessage(_connection.Protocol).Length;
        Assert.Equal(expected, _outbox.QueuedBytes);

        await ReadMessagesAsync(2);
        await TestTimeouts.Eventually(() => _outbox.QueuedBytes == 0, "the queue drained");
    }

    [Fact]
    public async Task A_write_the_client_takes_nothing_of_for_the_timeout_disconnects_the_connection()
    {
        var timeout = TimeSpan.FromSeconds(30);
        Invalidate("first");

        _time.Advance(timeout - TimeSpan.FromMilliseconds(1));
        Assert.False(_outbox.AbortIfStalled(timeout));
        Assert.False(_connection.ConnectionAborted.IsCancellationRequested);

        _time.Advance(TimeSpan.FromMilliseconds(1));
        Assert.True(_outbox.AbortIfStalled(timeout));
        await TestTimeouts.Eventually(() => _connection.ConnectionAborted.IsCancellationRequested, "the connection was aborted");
    }

    [Fact]
    public async Task A_client_that_keeps_taking_messages_is_never_timed_out_however_long_the_backlog_lasts()
    {
        var timeout = TimeSpan.FromSeconds(30);
        Invalidate("m0");
        for (var i = 1; i <= 5; i++)
        {
            Invalidate("m" + i);
            _time.Advance(timeout - TimeSpan.FromSeconds(1));
            Assert.False(_outbox.AbortIfStalled(timeout));

            // The client takes one message: progress, so the clock starts again for the next write.
            Assert.Equal(["invalidate transcriptTitleChanged m" + (i - 1)], await ReadMessagesAsync(1));
            await TestTimeouts.Eventually(() => _outbox.QueuedBytes == 0, "the next write started");
        }

        Assert.False(_connection.ConnectionAborted.IsCancellationRequested);
    }

    [Fact]
    public async Task A_connection_with_nothing_in_flight_is_never_timed_out()
    {
        Invalidate("only");
        await ReadMessagesAsync(1);
        await TestTimeouts.Eventually(() => !_outbox.IsWriting, "the write completed");

        _time.Advance(TimeSpan.FromHours(1));
        Assert.False(_outbox.AbortIfStalled(TimeSpan.FromSeconds(30)));
    }

    [Fact]
    public async Task Transcript_events_that_overflow_become_one_resync_per_transcript_and_no_invalidate_resync()
    {
        Invalidate("first");
        // About 360 bytes each: the third does not fit in the 1 KiB budget.
        var text = new string('x', 300);
        TranscriptText("t1", text);
        TranscriptText("t2", text);
        Assert.Equal(0, _overflows);
        TranscriptText("t1", text);

        Assert.Equal(1, _overflows);
        TranscriptText("t1", "live");

        Assert.Equal(
            ["invalidate transcriptTitleChanged first", "transcriptEvent resync overflow t1", "transcriptEvent resync overflow t2", "transcriptEvent transcript t1"],
            await ReadMessagesAsync(4));
    }

    [Fact]
    public async Task A_replayed_history_larger_than_the_budget_arrives_whole_and_in_order_without_an_overflow()
    {
        Invalidate("first");
        var history = Enumerable.Range(0, 6)
            .Select(i => Invocation(ClientMethods.TranscriptEvent, new TranscriptEventMessage.FinalTitle("t" + i, new string('x', 400))))
            .ToList();

        _outbox.EnqueueReplay("t", history);
        TranscriptText("t9", "live");

        Assert.Equal(0, _overflows);
        Assert.Equal(
            ["invalidate transcriptTitleChanged first", .. Enumerable.Range(0, 6).Select(i => $"transcriptEvent finalTitle t{i}"), "transcriptEvent transcript t9"],
            await ReadMessagesAsync(8));
    }

    private void TranscriptText(string transcriptId, string text) =>
        _outbox.Enqueue(OutboundMessage.Of(ClientMethods.TranscriptEvent, [new TranscriptEventMessage.LiveText(transcriptId, text, null)]));

    private void Invalidate(string transcriptId, string title = "title") =>
        _outbox.Enqueue(OutboundMessage.Of(ClientMethods.Invalidate, [new InvalidateMessage.TranscriptTitleChanged(transcriptId, title)]));

    private void Status(UpstreamStatus status) =>
        _outbox.Enqueue(OutboundMessage.Of(ClientMethods.UpstreamStatus, [status]));

    private static SerializedHubMessage Invocation(string method, object argument) =>
        new(new InvocationMessage(method, [argument]));

    private Task<List<string>> ReadMessagesAsync(int count) => _client.ReadMessagesAsync(count);

    public async ValueTask DisposeAsync()
    {
        _connection.Abort();
        await _outbox.CompleteAsync().DefaultTimeout();
    }
}
