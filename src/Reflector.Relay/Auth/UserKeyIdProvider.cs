using Microsoft.AspNetCore.SignalR;

namespace Reflector.Relay.Auth;

/// <summary>SignalR's user id is the relay's user key, so the hub, the fan-out and the upstream socket agree.</summary>
internal sealed class UserKeyIdProvider(UserKeys keys) : IUserIdProvider
{
    public string? GetUserId(HubConnectionContext connection) =>
        keys.TryGet(connection.User, out var key) ? key : null;
}
