using Reflector.Relay.Auth;
using Reflector.Relay.Limits;

namespace Reflector.Relay.Hubs;

/// <summary>Answers the rate limiter from the connection bindings: a request is free only when its connection id is the caller's own.</summary>
internal sealed class LiveConnectionCheck(ConnectionBindings bindings, UserKeys keys) : ILiveConnections
{
    public bool ContinuesOwnConnection(HttpContext context) =>
        ConnectionBindingMiddleware.ConnectionTokenOf(context.Request) is { Length: > 0 } connectionToken &&
        bindings.Check(connectionToken, ConnectionBindingMiddleware.OwnerOf(context, keys)) == BindingCheck.Owner;
}
