using Reflector.Relay.Logging;
using Microsoft.Extensions.Options;
using Reflector.Relay.Limits;

namespace Reflector.Relay.Transcripts;

/// <summary>
/// Decides whether a subscription may cost Reflector a handshake, so that a client calling <c>SubscribeTranscript</c> in
/// a loop costs it little. Asked only when the relay has no stream for the user and transcript yet (a tab joining a
/// stream another tab of the user follows costs nothing and is never refused here):
/// <list type="bullet">
/// <item>a transcript Reflector refused this user (403, 404) is refused again at once for
/// <c>Limits:TranscriptRefusalMemory</c>, with the same message, without asking Reflector;</item>
/// <item>a user opens at most <c>Limits:TranscriptStreamsPerUserPerMinute</c> new streams in any minute.</item>
/// </list>
/// Bounded itself: every entry lives a fixed time and is forgotten from the front of a queue on the next call, and a
/// refusal needs a stream the user was let open, so the streams-per-minute limit bounds what one user can make it hold.
/// </summary>
internal sealed partial class TranscriptAdmission
{
    private static readonly TimeSpan Window = TimeSpan.FromMinutes(1);

    private readonly TimeSpan _refusalMemory;
    private readonly int _streamsPerMinute;
    private readonly TimeProvider _timeProvider;
    private readonly ILogger _logger;

    private readonly Lock _lock = new();

    // Every refusal lives equally long, so the queue is in order of expiry: forgetting is a walk from its front.
    private readonly Dictionary<string, Refusal> _refusals = new(StringComparer.Ordinal);
    private readonly Queue<(string Key, long At)> _refusalOrder = new();

    // The new streams of the last minute: each user's in order, and everyone's in order, so that the oldest of all is
    // found at once and is also the front of its user's queue.
    private readonly Dictionary<string, UserWindow> _opened = new(StringComparer.Ordinal);
    private readonly Queue<(string UserId, long At)> _openedOrder = new();

    public TranscriptAdmission(IOptions<ConnectionLimitsOptions> limits, TimeProvider timeProvider, ILogger<TranscriptAdmission> logger)
    {
        _refusalMemory = limits.Value.TranscriptRefusalMemory;
        _streamsPerMinute = limits.Value.TranscriptStreamsPerUserPerMinute;
        _timeProvider = timeProvider;
        _logger = logger;
    }

    /// <summary>Refusals remembered now, across users.</summary>
    public int RememberedRefusals
    {
        get
        {
            lock (_lock)
            {
                ForgetExpiredLocked(_timeProvider.GetTimestamp());
                return _refusals.Count;
            }
        }
    }

    /// <summary>Users that opened a stream within the last minute.</summary>
    public int UsersWithRecentStreams
    {
        get
        {
            lock (_lock)
            {
                ForgetExpiredLocked(_timeProvider.GetTimestamp());
                return _opened.Count;
            }
        }
    }

    /// <summary>Counts a new stream of <paramref name="userId"/> for <paramref name="transcriptId"/>, or refuses it.</summary>
    /// <exception cref="TranscriptRefusedException">Reflector refused this user the transcript within the refusal memory.</exception>
    /// <exception cref="TranscriptStreamLimitException">The user opened the most new streams allowed within the last minute.</exception>
    /// <param name="rateKey">Who the stream counts against, when not <paramref name="userId"/> (an anonymous viewer's address).</param>
    public void AdmitNewStream(string userId, string transcriptId, string? rateKey = null)
    {
        var bucket = rateKey ?? userId;
        lock (_lock)
        {
            var now = _timeProvider.GetTimestamp();
            ForgetExpiredLocked(now);

            // Before the rate: a remembered refusal costs Reflector nothing, so it should not use up the user's allowance.
            if (_refusals.TryGetValue(TranscriptFeed.KeyOf(userId, transcriptId), out var refusal))
            {
                throw new TranscriptRefusedException(transcriptId, refusal.Code);
            }

            if (!_opened.TryGetValue(bucket, out var window))
            {
                window = new UserWindow();
                _opened.Add(bucket, window);
            }

            if (window.Opened.Count >= _streamsPerMinute)
            {
                var retryAfter = Window - _timeProvider.GetElapsedTime(window.Opened.Peek(), now);
                if (!window.Warned)
                {
                    // Once per burst: a client looping on the limit would otherwise write a line per call.
                    window.Warned = true;
                    Log.StreamLimitReached(_logger, bucket, _streamsPerMinute, retryAfter);
                }

                throw new TranscriptStreamLimitException(_streamsPerMinute, retryAfter);
            }

            window.Opened.Enqueue(now);
            _openedOrder.Enqueue((bucket, now));
        }
    }

    /// <summary>
    /// Reflector refused <paramref name="userId"/> the transcript with <paramref name="code"/>. Only "not found" and "not
    /// allowed" are remembered: they are about the transcript, and asking again within the memory would change nothing.
    /// </summary>
    public void RememberRefusal(string userId, string transcriptId, int code)
    {
        if (_refusalMemory <= TimeSpan.Zero || code is not (StatusCodes.Status403Forbidden or StatusCodes.Status404NotFound))
        {
            return;
        }

        lock (_lock)
        {
            var now = _timeProvider.GetTimestamp();
            ForgetExpiredLocked(now);
            var key = TranscriptFeed.KeyOf(userId, transcriptId);
            _refusals[key] = new Refusal(code, now);
            _refusalOrder.Enqueue((key, now));
        }
    }

    private void ForgetExpiredLocked(long now)
    {
        while (_refusalOrder.TryPeek(out var oldest) && _timeProvider.GetElapsedTime(oldest.At, now) >= _refusalMemory)
        {
            _refusalOrder.Dequeue();
            // A later refusal of the same key has its own place further back; this one only removes itself.
            if (_refusals.TryGetValue(oldest.Key, out var refusal) && refusal.At == oldest.At)
            {
                _refusals.Remove(oldest.Key);
            }
        }

        while (_openedOrder.TryPeek(out var oldest) && _timeProvider.GetElapsedTime(oldest.At, now) >= Window)
        {
            _openedOrder.Dequeue();
            var window = _opened[oldest.UserId];
            window.Opened.Dequeue();
            window.Warned = false;
            if (window.Opened.Count == 0)
            {
                _opened.Remove(oldest.UserId);
            }
        }
    }

    private readonly record struct Refusal(int Code, long At);

    private sealed class UserWindow
    {
        public Queue<long> Opened { get; } = new();

        public bool Warned { get; set; }
    }

    private static partial class Log
    {
        [LoggerMessage(LogEventIds.Transcripts.StreamLimitReached, LogLevel.Warning,
            "User {UserId} opened {Limit} new transcript streams within a minute (Limits:TranscriptStreamsPerUserPerMinute); more are refused for {RetryAfter}")]
        public static partial void StreamLimitReached(ILogger logger, string userId, int limit, TimeSpan retryAfter);
    }
}
