using Reflector.Relay.Events;

namespace Reflector.Relay.Streams;

/// <summary>Where a user's upstream delivers: every live browser connection of that user, and no one else.</summary>
internal interface IUserEventSink
{
    Task InvalidateAsync(string userId, InvalidateMessage message, CancellationToken cancellationToken);

    Task UpstreamStatusAsync(string userId, UpstreamStatus status, CancellationToken cancellationToken);

    Task UpstreamStatusToConnectionAsync(string connectionId, UpstreamStatus status, CancellationToken cancellationToken);
}
