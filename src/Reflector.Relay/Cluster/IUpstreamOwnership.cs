using Reflector.Relay.Events;

namespace Reflector.Relay.Cluster;

/// <summary>
/// Which relay may hold a stream's upstream socket, and how what that relay relays reaches the stream's connections
/// on the others. One relay alone always holds (<see cref="LocalUpstreamOwnership{TMessage}"/>); relays sharing a
/// Redis hold one socket per user between them (<see cref="RedisUpstreamOwnership"/>). The upstream asks; it does
/// not know which one it has.
/// </summary>
/// <typeparam name="TMessage">What the stream's socket relays: user invalidations, or one transcript's events.</typeparam>
internal interface IUpstreamOwnership<TMessage>
    where TMessage : class
{
    /// <summary>This relay has connections of the stream <paramref name="key"/>: it follows the stream from now on.</summary>
    IUpstreamClaim<TMessage> Join(string key, IClaimObserver<TMessage> observer);
}

/// <summary>One relay's part in one user's stream, from its first connection of the user until it lets go.</summary>
internal interface IUpstreamClaim<in TMessage> : IAsyncDisposable
{
    /// <summary>
    /// Completes once this relay hears the user's stream (in a cluster: subscribed to it, and told the holder's last
    /// status), so a connection that joins after it misses nothing the holder sends.
    /// </summary>
    Task Ready { get; }

    /// <summary>
    /// Completes once this relay holds the user's socket: at once alone; in a cluster when no live relay holds it.
    /// The lease's <see cref="UpstreamLease.Lost"/> fires when another relay has taken it over.
    /// </summary>
    ValueTask<UpstreamLease> AcquireAsync(CancellationToken cancellationToken);

    /// <summary>Whether other relays have connections of the user: the holder keeps the socket open for them.</summary>
    bool OthersInterested { get; }

    /// <summary>
    /// Whether the held socket's messages may be delivered now. Not for a moment after this relay was silent long
    /// enough to have been given up (a paused process): another relay may hold the socket already, and this one
    /// would deliver the same events twice. <see cref="IClaimObserver.OnClaimConfirmedAsync"/> follows if it still holds.
    /// </summary>
    bool MayDeliver { get; }

    /// <summary>
    /// Whether the socket is held without a claim (Redis was away): another relay's claim may win over it when Redis
    /// returns, and then repeat what this relay's socket told its connections last.
    /// </summary>
    bool HoldsFallback { get; }

    /// <summary>Hands a message of the socket this relay holds to the user's connections on the other relays.</summary>
    void Publish(TMessage message);

    /// <inheritdoc cref="Publish(TMessage)"/>
    void Publish(UpstreamStatus status);

    /// <summary>Stops holding the socket (it could not be kept open here), so a relay with a usable token takes over.</summary>
    ValueTask ReleaseAsync();
}

/// <summary>What the user's stream on other relays tells this relay while it does not hold the socket.</summary>
internal interface IClaimObserver<in TMessage>
{
    Task OnRemoteMessageAsync(TMessage message);

    Task OnRemoteStatusAsync(UpstreamStatus status);

    /// <summary>Messages from the holder may have been lost (Redis was unreachable): the connections here need a resync.</summary>
    Task OnRemoteGapAsync();

    /// <summary><see cref="IUpstreamClaim.OthersInterested"/> may have changed.</summary>
    void OnInterestChanged();

    /// <summary>The claim held through a moment of doubt (<see cref="IUpstreamClaim.MayDeliver"/>).</summary>
    Task OnClaimConfirmedAsync();
}

/// <summary>This relay's hold on a user's socket.</summary>
/// <param name="ContinuesStream">Another relay held the socket before: this one continues that stream, after a gap.</param>
/// <param name="Lost">Fires when another relay has taken the socket over.</param>
internal sealed record UpstreamLease(bool ContinuesStream, CancellationToken Lost)
{
    /// <summary>A hold nobody can take away: a relay alone.</summary>
    public static UpstreamLease Permanent { get; } = new(ContinuesStream: false, CancellationToken.None);
}
