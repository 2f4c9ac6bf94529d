using Microsoft.Extensions.Options;

namespace Reflector.Relay.Limits;

/// <summary>Bounds on what one user or one address can take. Bound from the <c>Limits</c> section.</summary>
internal sealed class ConnectionLimitsOptions
{
    public const string SectionName = "Limits";

    /// <summary>Live connections one user may hold; the next is refused. Default 20.</summary>
    public int MaxConnectionsPerUser { get; set; } = 20;

    /// <summary>
    /// Bytes that may wait for one connection that is behind (as serialized for its protocol). Past it, its queued
    /// invalidations collapse into one <c>resync</c> with reason <c>overflow</c> and it stays connected.
    /// At least 1024; default 1 MiB.
    /// </summary>
    public long MaxQueuedBytesPerConnection { get; set; } = 1024 * 1024;

    /// <summary>
    /// How long a connection's write may wait for the client to take anything before the connection is
    /// disconnected; it is checked every quarter of this time. Default 30 seconds.
    /// </summary>
    public TimeSpan StalledConnectionTimeout { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>Transcripts one connection may subscribe to at once; the next <c>SubscribeTranscript</c> fails. Default 10.</summary>
    public int MaxTranscriptsPerConnection { get; set; } = 10;

    /// <summary>
    /// Bytes of history (each event's JSON size, at least 256) one transcript stream keeps for late subscribers. Past it the oldest
    /// events go, and a late subscriber gets a <c>resync</c> before what remains. Default 4 MiB.
    /// </summary>
    public long MaxTranscriptHistoryBytes { get; set; } = 4 * 1024 * 1024;

    /// <summary>
    /// How long Reflector's refusal (403, 404) of a transcript to a user is remembered: a subscription of that user to that
    /// transcript within it fails at once with the same message, without a handshake. <c>00:00:00</c> remembers
    /// nothing. Default 30 seconds.
    /// </summary>
    public TimeSpan TranscriptRefusalMemory { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>
    /// New transcript streams (each a handshake with Reflector) one user may open in any minute; past it
    /// <c>SubscribeTranscript</c> fails saying so. Joining a stream the relay already holds for the user is not one.
    /// Default 60.
    /// </summary>
    public int TranscriptStreamsPerUserPerMinute { get; set; } = 60;

    /// <summary>Negotiations one user may start per minute; more get 429. Default 60.</summary>
    public int NegotiationsPerUserPerMinute { get; set; } = 60;

    /// <summary>Negotiations one client address may start per minute; more get 429. Default 600.</summary>
    public int NegotiationsPerAddressPerMinute { get; set; } = 600;
}

internal sealed class ConnectionLimitsOptionsValidator : IValidateOptions<ConnectionLimitsOptions>
{
    public ValidateOptionsResult Validate(string? name, ConnectionLimitsOptions options)
    {
        var failures = new List<string>();
        Positive(failures, options.MaxConnectionsPerUser, nameof(options.MaxConnectionsPerUser));
        if (options.MaxQueuedBytesPerConnection < 1024)
        {
            failures.Add($"Limits:MaxQueuedBytesPerConnection (Limits__MaxQueuedBytesPerConnection) must be at least 1024; got {options.MaxQueuedBytesPerConnection}.");
        }

        if (options.StalledConnectionTimeout < TimeSpan.FromSeconds(1))
        {
            failures.Add($"Limits:StalledConnectionTimeout (Limits__StalledConnectionTimeout) must be at least 00:00:01; got {options.StalledConnectionTimeout}.");
        }

        Positive(failures, options.MaxTranscriptsPerConnection, nameof(options.MaxTranscriptsPerConnection));
        if (options.MaxTranscriptHistoryBytes < 0)
        {
            failures.Add($"Limits:MaxTranscriptHistoryBytes (Limits__MaxTranscriptHistoryBytes) must not be negative; got {options.MaxTranscriptHistoryBytes}.");
        }

        if (options.TranscriptRefusalMemory < TimeSpan.Zero)
        {
            failures.Add($"Limits:TranscriptRefusalMemory (Limits__TranscriptRefusalMemory) must not be negative; got {options.TranscriptRefusalMemory}.");
        }

        Positive(failures, options.TranscriptStreamsPerUserPerMinute, nameof(options.TranscriptStreamsPerUserPerMinute));
        Positive(failures, options.NegotiationsPerUserPerMinute, nameof(options.NegotiationsPerUserPerMinute));
        Positive(failures, options.NegotiationsPerAddressPerMinute, nameof(options.NegotiationsPerAddressPerMinute));
        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }

    private static void Positive(List<string> failures, int value, string key)
    {
        if (value < 1)
        {
            failures.Add($"Limits:{key} (Limits__{key}) must be at least 1; got {value}.");
        }
    }
}
