using Reflector.Relay.Events;

namespace Reflector.Relay.Streams;

/// <summary>
/// What one kind of upstream stream does with its socket: where it connects, how a frame reads, and who hears it.
/// Everything else (tokens, connecting, backoff, keep-alive, linger, status, ownership) is
/// <see cref="UpstreamStream{TMessage}"/>'s, the same for every kind.
/// </summary>
/// <typeparam name="TMessage">What the stream relays: user invalidations, or one transcript's events.</typeparam>
internal interface IStreamFeed<TMessage>
    where TMessage : class
{
    /// <summary>Identifies the stream among those of its kind (and to the cluster): the user id, or the user and the transcript.</summary>
    string Key { get; }

    /// <summary>Names the stream in logs: which user, and which transcript.</summary>
    string Name { get; }

    Uri Address { get; }

    /// <summary>Which kind of stream it is: it decides the handshake pool (<see cref="UpstreamConnector"/>) and what a 404 means.</summary>
    UpstreamStreamKind Kind { get; }

    /// <summary>Largest frame relayed; larger ones are dropped without being buffered whole.</summary>
    int MaxMessageBytes { get; }

    /// <summary>
    /// Whether a refused handshake ends the stream (what it names is missing or not allowed: asking again changes
    /// nothing) rather than waiting for a fresh token.
    /// </summary>
    bool EndsOnRefusal { get; }

    ParsedFrame<TMessage> Parse(ReadOnlySpan<byte> frame);

    /// <summary>The message that tells the stream's connections they may have missed something.</summary>
    TMessage Resync(ResyncReason reason);

    /// <summary>To every connection of the stream on this relay.</summary>
    /// <param name="frameBytes">Size of the upstream frame it came from (0 for the relay's own messages).</param>
    Task DeliverAsync(TMessage message, int frameBytes, CancellationToken cancellationToken);

    /// <summary>The socket's state changed; said to this relay's connections of the stream (in order with messages).</summary>
    Task StatusAsync(UpstreamStatus status, CancellationToken cancellationToken);

    /// <summary>Completes when a connection may join: the stream has something to say to it (or never will).</summary>
    Task ReadyToJoinAsync(CancellationToken cancellationToken);

    /// <summary>A connection joined: tell it the state of the stream so far. Serialized with status changes.</summary>
    Task JoinAsync(string connectionId, UpstreamStatus status, CancellationToken cancellationToken);

    /// <summary>
    /// This relay starts following the stream from another relay's socket (a cluster), without having heard it from the
    /// start: whatever that socket said before is not known here.
    /// </summary>
    void OnFollowingMidStream();

    /// <summary>
    /// This relay's connections may have missed messages of another relay's socket, and no replay follows: tells
    /// them <paramref name="resync"/> and, at once with it, does what <see cref="OnFollowingMidStream"/> does, so a
    /// connection joining in between is never told it heard the stream whole.
    /// </summary>
    Task DeliverMidStreamGapAsync(TMessage resync, CancellationToken cancellationToken);

    /// <summary>A connection left the stream.</summary>
    void Leave(string connectionId);

    /// <summary>The upstream refused the stream's handshake with <paramref name="code"/>; called before it ends, when it ends on refusals.</summary>
    void OnRefused(int code);
}
