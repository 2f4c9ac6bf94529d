using Reflector.Relay.Events;

namespace Reflector.Relay.Streams;

/// <summary>
/// A user's stream (<c>/v1/events</c>): each event becomes an <c>invalidate</c> for every connection of the user,
/// and every connection hears the socket's state as <c>upstreamStatus</c>.
/// </summary>
internal sealed class UserEventsFeed(string userId, UpstreamOptions options, IUserEventSink sink) : IStreamFeed<InvalidateMessage>
{
    public string Key => userId;

    public string Name => "user " + userId;

    public Uri Address => options.EventsUri;

    public UpstreamStreamKind Kind => UpstreamStreamKind.UserEvents;

    public int MaxMessageBytes => options.MaxMessageBytes;

    // A refused token waits for a fresh one: the user's events are theirs whatever the token.
    public bool EndsOnRefusal => false;

    public ParsedFrame<InvalidateMessage> Parse(ReadOnlySpan<byte> frame) => UserEventParser.Parse(frame);

    public InvalidateMessage Resync(ResyncReason reason) => new InvalidateMessage.Resync(reason);

    public Task DeliverAsync(InvalidateMessage message, int frameBytes, CancellationToken cancellationToken) =>
        sink.InvalidateAsync(userId, message, cancellationToken);

    public Task StatusAsync(UpstreamStatus status, CancellationToken cancellationToken) =>
        sink.UpstreamStatusAsync(userId, status, cancellationToken);

    public Task ReadyToJoinAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task JoinAsync(string connectionId, UpstreamStatus status, CancellationToken cancellationToken) =>
        sink.UpstreamStatusToConnectionAsync(connectionId, status, cancellationToken);

    public void OnFollowingMidStream()
    {
        // User events have no history; each connection is told the holder's status when it joins.
    }

    public Task DeliverMidStreamGapAsync(InvalidateMessage resync, CancellationToken cancellationToken) =>
        DeliverAsync(resync, frameBytes: 0, cancellationToken);

    public void Leave(string connectionId)
    {
        // Deliveries address the user's connections as SignalR tracks them; nothing to forget here.
    }

    public void OnRefused(int code)
    {
        // Never called: a refusal does not end a user's stream.
    }
}
