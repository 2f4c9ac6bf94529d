namespace Reflector.Relay.Transcripts;

/// <summary>The user opened <c>Limits:TranscriptStreamsPerUserPerMinute</c> new transcript streams within the last minute.</summary>
internal sealed class TranscriptStreamLimitException(int perMinute, TimeSpan retryAfter)
    : Exception(
        $"Too many new transcript streams: at most {perMinute} a minute per user (Limits:TranscriptStreamsPerUserPerMinute); " +
        $"try again in {Math.Max(1, (int)Math.Ceiling(retryAfter.TotalSeconds))} s.")
{
    public TimeSpan RetryAfter { get; } = retryAfter;
}
