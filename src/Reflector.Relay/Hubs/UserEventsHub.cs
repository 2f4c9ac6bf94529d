using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.SignalR;
using Reflector.Relay.Auth;
using Reflector.Relay.Limits;
using Reflector.Relay.Upstream;

namespace Reflector.Relay.Hubs;

/// <summary>
/// Browsers connect here and only listen. Each connection joins the group of the user its token names and
/// counts against that user's upstream socket; there is nothing a client can call to reach another group.
/// </summary>
[Authorize(Policy = RelayAuthorization.PolicyName)]
internal sealed class UserEventsHub(UpstreamConnectionManager upstreams) : Hub<IUserEventsClient>
{
    public const string Path = "/hubs/user-events";

    public override async Task OnConnectedAsync()
    {
        var userId = Context.UserIdentifier;
        if (string.IsNullOrEmpty(userId) ||
            Context.GetHttpContext() is not { } httpContext ||
            !BearerToken.TryRead(httpContext.Request, Context.User, out var token))
        {
            // The authorization policy already demands a user id and a token; this is defence in depth.
            Context.Abort();
            return;
        }

        // The user's group, for anything that addresses users through SignalR's own groups; the relay's own
        // fan-out goes through UserFanOutLifetimeManager, which orders status snapshots and broadcasts per connection.
        await Groups.AddToGroupAsync(Context.ConnectionId, UserGroups.For(userId), Context.ConnectionAborted);
        try
        {
            await upstreams.AttachAsync(userId, Context.ConnectionId, token, Context.ConnectionAborted);
        }
        catch (Exception refused) when (refused is ConnectionLimitExceededException or RelayShuttingDownException)
        {
            // A HubException's message reaches the client as the reason the connection closed.
            throw new HubException(refused.Message);
        }
    }

    public override Task OnDisconnectedAsync(Exception? exception)
    {
        if (Context.UserIdentifier is { Length: > 0 } userId)
        {
            upstreams.Detach(userId, Context.ConnectionId);
        }

        return Task.CompletedTask;
    }
}

internal static class UserGroups
{
    public static string For(string userId) => "user:" + userId;
}
