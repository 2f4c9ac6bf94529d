using Microsoft.AspNetCore.SignalR;
using Reflector.Relay.Events;
using Reflector.Relay.Streams;

namespace Reflector.Relay.Transcripts;

/// <summary>
/// One user's stream of one transcript (<c>/v1/transcripts/{transcript_id}/events</c>): each event goes to the connections of
/// that user that subscribed to it, and into the history a later subscriber is given first, so every subscriber
/// sees what a socket of its own would have shown.
/// </summary>
internal sealed class TranscriptFeed : IStreamFeed<TranscriptEventMessage>
{
    private readonly string _userId;
    private readonly string _transcriptId;
    private readonly ITranscriptEventSink _sink;
    private readonly TranscriptAdmission _admission;

    // Orders deliveries with joins: a subscriber gets the history and then every later event, none twice.
    private readonly Lock _lock = new();
    private readonly TranscriptHistory _history;
    private readonly List<string> _subscribers = [];
    private readonly TaskCompletionSource _firstOutcome = new(TaskCreationOptions.RunContinuationsAsynchronously);

    // Whether the history holds everything since the stream began (or since Reflector's last replay began).
    private bool _whole = true;

    public TranscriptFeed(
        string userId, string transcriptId, UpstreamOptions options, long maxHistoryBytes, ITranscriptEventSink sink, TranscriptAdmission admission)
    {
        _userId = userId;
        _transcriptId = transcriptId;
        _sink = sink;
        _admission = admission;
        _history = new TranscriptHistory(maxHistoryBytes);
        Key = KeyOf(userId, transcriptId);
        Name = $"transcript {transcriptId} of user {userId}";
        Address = options.TranscriptEventsUri(transcriptId);
        MaxMessageBytes = options.MaxTranscriptMessageBytes;
    }

    public string Key { get; }

    public string Name { get; }

    public Uri Address { get; }

    public int MaxMessageBytes { get; }

    public UpstreamStreamKind Kind => UpstreamStreamKind.Transcript;

    // Reflector refuses a missing, deleted or private transcript; asking again would change nothing.
    public bool EndsOnRefusal => true;

    /// <summary>One key per user and transcript: sockets are never shared between users, whose access differs.</summary>
    public static string KeyOf(string userId, string transcriptId) => string.Concat(userId, "\u001f", transcriptId);

    public ParsedFrame<TranscriptEventMessage> Parse(ReadOnlySpan<byte> frame) => TranscriptEventParser.Parse(_transcriptId, frame);

    public TranscriptEventMessage Resync(ResyncReason reason) => new TranscriptEventMessage.Resync(_transcriptId, reason);

    // frameBytes is not the history's measure: a relay following another's socket (a cluster) gets no frame, only the
    // message, and the history must be bounded by the same real bytes on every relay.
    public Task DeliverAsync(TranscriptEventMessage message, int frameBytes, CancellationToken cancellationToken)
    {
        lock (_lock)
        {
            var serialized = _sink.Send(_subscribers, message);
            if (message is TranscriptEventMessage.Resync)
            {
                // Reflector replays the whole history on the new socket; the old one would show it twice.
                _history.Clear();
                _whole = true;
            }
            else
            {
                _history.Add(message, serialized);
            }
        }

        return Task.CompletedTask;
    }

    public Task StatusAsync(UpstreamStatus status, CancellationToken cancellationToken)
    {
        // The contract gives transcript streams no status of their own; the first outcome lets subscribers in.
        if (status.State != UpstreamState.Connecting)
        {
            _firstOutcome.TrySetResult();
        }

        return Task.CompletedTask;
    }

    /// <summary>
    /// Waits for the first handshake's outcome: opened (the replay follows), or failed (Reflector unreachable: the
    /// subscription stands, and the replay comes when a later attempt opens it). Throws when Reflector refused it.
    /// </summary>
    public Task ReadyToJoinAsync(CancellationToken cancellationToken) => _firstOutcome.Task.WaitAsync(cancellationToken);

    public Task JoinAsync(string connectionId, UpstreamStatus status, CancellationToken cancellationToken)
    {
        lock (_lock)
        {
            if (_subscribers.Contains(connectionId))
            {
                return Task.CompletedTask;
            }

            var history = _history.Snapshot();
            if (_history.IsTruncated || !_whole)
            {
                // The oldest events no longer fit, or were never heard here: the subscriber refetches, then follows
                // what the history holds.
                history = [_sink.Send([], Resync(ResyncReason.Overflow)), .. history];
            }

            _sink.Replay(connectionId, _transcriptId, history);
            _subscribers.Add(connectionId);
        }

        return Task.CompletedTask;
    }

    public void OnFollowingMidStream()
    {
        lock (_lock)
        {
            _whole = false;
        }
    }

    public Task DeliverMidStreamGapAsync(TranscriptEventMessage resync, CancellationToken cancellationToken)
    {
        lock (_lock)
        {
            // Unlike a resync of this relay's own socket, no replay follows: what the history held is stale, and
            // a subscriber joining from now on refetches too.
            _sink.Send(_subscribers, resync);
            _history.Clear();
            _whole = false;
        }

        return Task.CompletedTask;
    }

    public void Leave(string connectionId)
    {
        lock (_lock)
        {
            _subscribers.Remove(connectionId);
        }
    }

    public void OnRefused(int code)
    {
        // Remembered before the stream ends, so a subscription arriving after it is gone is refused without a handshake.
        _admission.RememberRefusal(_userId, _transcriptId, code);
        _firstOutcome.TrySetException(new TranscriptRefusedException(_transcriptId, code));
    }
}
