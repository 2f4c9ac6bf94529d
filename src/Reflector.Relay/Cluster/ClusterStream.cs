namespace Reflector.Relay.Cluster;

/// <summary>
/// A stream as the cluster knows it: its <see cref="Name"/> in Redis keys and channels, and whose stream it is, for
/// logs that name the user and transcript as properties of their own.
/// </summary>
/// <param name="Name">The stream's name in Redis (<see cref="ClusterKeys.UserStream"/>, <see cref="ClusterKeys.TranscriptStream"/>).</param>
/// <param name="TranscriptId"><see langword="null"/> for a user's stream of events.</param>
internal sealed record ClusterStream(string Name, string UserId, string? TranscriptId)
{
    // A transcript stream's key is the user's key and the transcript id joined by the unit separator (an anonymous
    // viewer's user key is empty).
    private const char TranscriptKeySeparator = '\u001f';

    public static ClusterStream ForUser(string userId) => new(ClusterKeys.UserStream(userId), userId, TranscriptId: null);

    public static ClusterStream ForTranscript(string key)
    {
        var separator = key.IndexOf(TranscriptKeySeparator, StringComparison.Ordinal);
        return separator < 0
            ? new ClusterStream(ClusterKeys.TranscriptStream(key), key, TranscriptId: null)
            : new ClusterStream(ClusterKeys.TranscriptStream(key), key[..separator], key[(separator + 1)..]);
    }

    public override string ToString() => Name;
}
