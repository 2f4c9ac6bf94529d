namespace Reflector.Relay.Streams;

/// <summary>
/// A browser connection's bearer token, kept so the relay can open its user's upstream socket with it.
/// <see cref="ToString"/> never reveals the value.
/// </summary>
internal sealed record UpstreamToken(string Value, DateTimeOffset? ExpiresAt)
{
    /// <summary>No token: the socket offers none, as an anonymous viewer's browser would (public transcripts).</summary>
    public static UpstreamToken None { get; } = new(string.Empty, null);

    public bool IsExpired(DateTimeOffset now) => ExpiresAt is { } expiresAt && expiresAt <= now;

    public override string ToString() => $"UpstreamToken(expires {ExpiresAt:O})";
}
