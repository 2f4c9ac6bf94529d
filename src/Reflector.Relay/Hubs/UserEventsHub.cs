using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.SignalR;
using Reflector.Relay.Anonymous;
using Reflector.Relay.Auth;
using Reflector.Relay.Limits;
using Reflector.Relay.Transcripts;
using Reflector.Relay.Streams;

namespace Reflector.Relay.Hubs;

/// <summary>
/// Browsers connect here and mostly listen. Each connection belongs to the user its token names and
/// counts against that user's upstream socket; it may subscribe to transcripts, each through a socket opened with
/// its own user's token, so Reflector decides access. Nothing a client calls can reach another user's streams.
/// </summary>
[Authorize(Policy = RelayAuthorization.PolicyName)]
internal sealed class UserEventsHub(
    UpstreamConnectionManager upstreams,
    TranscriptSubscriptions subscriptions,
    ConnectionBindings bindings,
    AnonymousViewers anonymous,
    ILogger<UserEventsHub> logger)
    : Hub<IUserEventsClient>
{
    public const string Path = "/hubs/user-events";

    public override async Task OnConnectedAsync()
    {
        var userId = Context.UserIdentifier;
        if (string.IsNullOrEmpty(userId) && anonymous.Enabled && Context.GetHttpContext() is { } viewerContext)
        {
            ConnectAnonymous(viewerContext);
            return;
        }

        if (string.IsNullOrEmpty(userId) ||
            Context.GetHttpContext() is not { } httpContext ||
            !BearerToken.TryTake(httpContext, Context.User, out var token))
        {
            // The authorization policy already demands a user id and a token; this is defence in depth.
            Context.Abort();
            return;
        }

        // From here until OnDisconnectedAsync (SignalR calls it only when this method succeeds) the connection's
        // token is its user's, whatever anyone else presents.
        if (!bindings.Start(ConnectionBindingMiddleware.ConnectionTokenOf(httpContext.Request), Context.ConnectionId, userId))
        {
            Context.Abort();
            return;
        }

        // No SignalR group for the user: the connection registry indexes connections by user already.
        try
        {
            await upstreams.AttachAsync(userId, Context.ConnectionId, token, Context.ConnectionAborted);
        }
        catch (Exception refused)
        {
            bindings.Release(Context.ConnectionId);
            if (refused is ConnectionLimitExceededException or RelayShuttingDownException)
            {
                // A HubException's message reaches the client as the reason the connection closed.
                throw new HubException(refused.Message);
            }

            throw;
        }
    }

    public override Task OnDisconnectedAsync(Exception? exception)
    {
        if (anonymous.AddressOf(Context.ConnectionId) is not null)
        {
            foreach (var transcriptId in subscriptions.RemoveConnection(Context.ConnectionId))
            {
                upstreams.UnsubscribeTranscript(AnonymousViewers.StreamOwner, transcriptId, Context.ConnectionId);
            }

            anonymous.Remove(Context.ConnectionId);
        }
        else if (Context.UserIdentifier is { Length: > 0 } userId)
        {
            foreach (var transcriptId in subscriptions.RemoveConnection(Context.ConnectionId))
            {
                upstreams.UnsubscribeTranscript(userId, transcriptId, Context.ConnectionId);
            }

            upstreams.Detach(userId, Context.ConnectionId);
        }

        bindings.Release(Context.ConnectionId);
        return Task.CompletedTask;
    }

    /// <summary>
    /// Starts sending <paramref name="transcriptId"/>'s events to this connection as <c>transcriptEvent</c>: its
    /// history first, then live. Completes once the history is queued; subscribing again changes nothing.
    /// </summary>
    /// <exception cref="HubException">
    /// The id is not of a transcript id's shape; the transcript is missing or not allowed (now, or within
    /// <c>Limits:TranscriptRefusalMemory</c>); the connection holds the most subscriptions allowed; or the user opened the
    /// most new transcript streams allowed this minute.
    /// </exception>
    public async Task SubscribeTranscript(string transcriptId)
    {
        if (!TranscriptId.IsValid(transcriptId))
        {
            // Whatever it is, it goes nowhere: not upstream, not into a key, not into a log (its length says enough).
            UserEventsHubLog.InvalidTranscriptId(logger, Context.UserIdentifier, transcriptId?.Length ?? 0);
            throw new HubException(TranscriptId.ShapeRequired);
        }

        var (userId, token, rateKey) = Subscriber();
        var connectionId = Context.ConnectionId;
        if (!subscriptions.TryAdd(connectionId, transcriptId))
        {
            throw new HubException(
                $"This connection already follows {subscriptions.MaxPerConnection} transcripts (Limits:MaxTranscriptsPerConnection); unsubscribe from one first.");
        }

        try
        {
            await upstreams.SubscribeTranscriptAsync(userId, transcriptId, connectionId, token, Context.ConnectionAborted, rateKey);
        }
        catch (Exception failure)
        {
            subscriptions.Remove(connectionId, transcriptId);
            if (failure is TranscriptRefusedException or TranscriptStreamLimitException or RelayShuttingDownException)
            {
                throw new HubException(failure.Message);
            }

            throw;
        }

        if (Context.ConnectionAborted.IsCancellationRequested)
        {
            // Gone while subscribing: its disconnect may have run already, so this one lets go itself.
            subscriptions.Remove(connectionId, transcriptId);
            upstreams.UnsubscribeTranscript(userId, transcriptId, connectionId);
        }
    }

    /// <summary>Stops sending <paramref name="transcriptId"/>'s events to this connection. Unknown ids are ignored.</summary>
    public void UnsubscribeTranscript(string transcriptId)
    {
        if (!TranscriptId.IsValid(transcriptId))
        {
            // No subscription can have an id of another shape: nothing to stop.
            return;
        }

        var userId = anonymous.AddressOf(Context.ConnectionId) is not null ? AnonymousViewers.StreamOwner : Context.UserIdentifier;
        if (userId is null)
        {
            return;
        }

        subscriptions.Remove(Context.ConnectionId, transcriptId);
        upstreams.UnsubscribeTranscript(userId, transcriptId, Context.ConnectionId);
    }

    /// <summary>
    /// An anonymous viewer of public transcripts: no user stream, no user events; only transcripts, through sockets
    /// that offer no token and that all of this relay's anonymous viewers share.
    /// </summary>
    private void ConnectAnonymous(HttpContext httpContext)
    {
        var address = httpContext.Connection.RemoteIpAddress?.ToString() ?? "unknown";
        if (!anonymous.TryAdd(Context.ConnectionId, address))
        {
            throw new HubException(
                $"This address already holds {anonymous.MaxConnectionsPerAddress} anonymous connections (Anonymous:MaxConnectionsPerAddress).");
        }

        if (!bindings.Start(ConnectionBindingMiddleware.ConnectionTokenOf(httpContext.Request), Context.ConnectionId, AnonymousViewers.StreamOwner))
        {
            anonymous.Remove(Context.ConnectionId);
            Context.Abort();
        }
    }

    /// <summary>Whose stream a subscription of this connection joins, the token it opens with, and who its new streams count against.</summary>
    private (string UserId, UpstreamToken Token, string? RateKey) Subscriber()
    {
        if (anonymous.AddressOf(Context.ConnectionId) is { } address)
        {
            return (AnonymousViewers.StreamOwner, UpstreamToken.None, AnonymousViewers.AddressKey(address));
        }

        // The token this connection came with, as its user's stream holds it (the request no longer does).
        if (Context.UserIdentifier is not { Length: > 0 } userId ||
            upstreams.TokenOf(userId, Context.ConnectionId) is not { } token)
        {
            throw new HubException("This connection has no token to subscribe with.");
        }

        return (userId, token, null);
    }
}
