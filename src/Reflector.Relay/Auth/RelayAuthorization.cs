using Microsoft.AspNetCore.Authorization;

namespace Reflector.Relay.Auth;

internal static class RelayAuthorization
{
    public const string PolicyName = "ReflectorUser";
}

/// <summary>
/// The user must have a key (<see cref="UserKeys"/>): the same rule every per-user structure uses. With
/// <see cref="AllowAnonymous"/>, a request that offers no token at all passes too, as an anonymous viewer; one that
/// offers a token that fails is still refused, as Reflector refuses it even for a public transcript.
/// </summary>
internal sealed class KeyedUserRequirement(bool allowAnonymous) : IAuthorizationRequirement
{
    public bool AllowAnonymous { get; } = allowAnonymous;
}

internal sealed class KeyedUserHandler(UserKeys keys) : AuthorizationHandler<KeyedUserRequirement>
{
    protected override Task HandleRequirementAsync(AuthorizationHandlerContext context, KeyedUserRequirement requirement)
    {
        if (keys.TryGet(context.User, out _) ||
            (requirement.AllowAnonymous &&
             context.User.Identity?.IsAuthenticated != true &&
             context.Resource is HttpContext http &&
             !BearerToken.IsPresented(http.Request)))
        {
            context.Succeed(requirement);
        }

        return Task.CompletedTask;
    }
}
