using System.Security.Claims;
using Microsoft.AspNetCore.SignalR;
using Microsoft.Extensions.Options;

namespace Reflector.Relay.Auth;

/// <summary>Names a connection's user by the configured claim (<c>sub</c> by default).</summary>
internal sealed class ClaimUserIdProvider(IOptions<RelayAuthenticationOptions> options) : IUserIdProvider
{
    private readonly string _claimType = options.Value.UserIdClaim;

    public string? GetUserId(HubConnectionContext connection) => TryGetUserId(connection.User, _claimType, out var userId) ? userId : null;

    /// <summary>Exactly one non-blank string claim names the user; none, several (an array), a blank or a non-string one name nobody.</summary>
    public static bool TryGetUserId(ClaimsPrincipal? user, string claimType, out string userId)
    {
        userId = string.Empty;
        Claim? found = null;
        foreach (var claim in user?.FindAll(claimType) ?? [])
        {
            if (found is not null)
            {
                return false;
            }

            found = claim;
        }

        if (found is null || found.ValueType != ClaimValueTypes.String || string.IsNullOrWhiteSpace(found.Value))
        {
            return false;
        }

        userId = found.Value;
        return true;
    }
}
