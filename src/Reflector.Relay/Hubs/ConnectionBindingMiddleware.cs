using System.Text.Json;
using Microsoft.AspNetCore.Http.Connections;
using Microsoft.AspNetCore.SignalR;
using Reflector.Relay.Auth;

namespace Reflector.Relay.Hubs;

/// <summary>
/// Keeps <see cref="ConnectionBindings"/> at the hub's door: binds each token negotiate issues to the user who
/// negotiated, and lets a request naming a connection (<c>?id=</c>) through only for that connection's owner.
/// Another user gets 403; an id that names no live connection gets 404 before SignalR looks it up.
/// </summary>
internal static class ConnectionBindingMiddleware
{
    public const string ConnectionTokenParameter = "id";

    public static IApplicationBuilder UseConnectionBindings(this IApplicationBuilder app) =>
        app.Use((context, next) => context.GetEndpoint()?.Metadata.GetMetadata<HubMetadata>()?.HubType == typeof(UserEventsHub)
            ? InvokeAsync(context, next)
            : next(context));

    /// <summary>The connection token a request names; empty when it names none (negotiate, or a new WebSocket).</summary>
    public static string ConnectionTokenOf(HttpRequest request) => request.Query[ConnectionTokenParameter].ToString();

    /// <summary>The key bindings are made under: the user's, or empty for a caller without one.</summary>
    public static string OwnerOf(HttpContext context, UserKeys keys) => keys.TryGet(context.User, out var key) ? key : string.Empty;

    private static Task InvokeAsync(HttpContext context, RequestDelegate next)
    {
        var bindings = context.RequestServices.GetRequiredService<ConnectionBindings>();
        var keys = context.RequestServices.GetRequiredService<UserKeys>();
        if (context.GetEndpoint()!.Metadata.GetMetadata<NegotiateMetadata>() is not null)
        {
            return BindNegotiatedAsync(context, next, bindings, OwnerOf(context, keys));
        }

        var connectionToken = ConnectionTokenOf(context.Request);
        if (connectionToken.Length == 0)
        {
            // A WebSocket without negotiate: a new connection, bound when it starts.
            return next(context);
        }

        var owner = OwnerOf(context, keys);
        switch (bindings.Check(connectionToken, owner))
        {
            case BindingCheck.Owner:
                return next(context);
            case BindingCheck.Foreign:
                ConnectionBindingMiddlewareLog.ForeignUse(Logger(context), owner);
                context.Response.StatusCode = StatusCodes.Status403Forbidden;
                return context.Response.WriteAsync("This connection belongs to another user.");
            default:
                context.Response.StatusCode = StatusCodes.Status404NotFound;
                return context.Response.WriteAsync("No connection with that id.");
        }
    }

    /// <summary>
    /// Runs SignalR's negotiate into a buffer (a few hundred bytes), binds the token it issued, and only then sends
    /// the response: the client cannot use the token before it is bound.
    /// </summary>
    private static async Task BindNegotiatedAsync(HttpContext context, RequestDelegate next, ConnectionBindings bindings, string owner)
    {
        var body = context.Response.Body;
        using var buffer = new MemoryStream();
        context.Response.Body = buffer;
        try
        {
            await next(context);
        }
        finally
        {
            context.Response.Body = body;
        }

        if (context.Response.StatusCode == StatusCodes.Status200OK &&
            TryReadIssued(buffer.GetBuffer().AsSpan(0, (int)buffer.Length), out var connectionId, out var connectionToken))
        {
            bindings.BindNegotiated(connectionToken, connectionId, owner);
        }

        buffer.Position = 0;
        await buffer.CopyToAsync(body, context.RequestAborted);
    }

    /// <summary>The connection id and token of a negotiate response; version 0 has no token and uses the id.</summary>
    private static bool TryReadIssued(ReadOnlySpan<byte> json, out string connectionId, out string connectionToken)
    {
        connectionId = connectionToken = string.Empty;
        try
        {
            var reader = new Utf8JsonReader(json);
            if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject)
            {
                return false;
            }

            while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
            {
                var isId = reader.ValueTextEquals("connectionId");
                var isToken = !isId && reader.ValueTextEquals("connectionToken");
                reader.Read();
                if (isId && reader.TokenType == JsonTokenType.String)
                {
                    connectionId = reader.GetString()!;
                }
                else if (isToken && reader.TokenType == JsonTokenType.String)
                {
                    connectionToken = reader.GetString()!;
                }
                else
                {
                    reader.Skip();
                }
            }
        }
        catch (JsonException)
        {
            return false;
        }

        if (connectionToken.Length == 0)
        {
            connectionToken = connectionId;
        }

        return connectionId.Length > 0;
    }

    private static ILogger Logger(HttpContext context) =>
        context.RequestServices.GetRequiredService<ILoggerFactory>().CreateLogger(typeof(ConnectionBindingMiddleware));
}
