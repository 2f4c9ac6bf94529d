using System.Security.Claims;
using Microsoft.AspNetCore.SignalR;
using Microsoft.Extensions.Options;

namespace Reflector.Relay.Auth;

/// <summary>Names a connection's user by the configured claim (<c>sub</c> by default).</summary>
internal sealed class ClaimUserIdProvider(IOptions<RelayAuthenticationOptions> options, IConfiguration configuration) : IUserIdProvider
{
    // Read on first use, not when SignalR maps the hub: an invalid configuration is start-up validation's to report.
    // Trusting several issuers, the same subject from two of them is two people: the issuer becomes part of the key.
    private readonly Lazy<(string ClaimType, bool QualifyByIssuer)> _settings = new(() =>
        (options.Value.UserIdClaim, RelayAuthentication.ConfiguredMethods(options.Value, configuration) > 1));

    public string? GetUserId(HubConnectionContext connection)
    {
        var (claimType, qualifyByIssuer) = _settings.Value;
        if (!TryGetUserId(connection.User, claimType, out var userId))
        {
            return null;
        }

        if (!qualifyByIssuer)
        {
            return userId;
        }

        return connection.User.FindFirst("iss")?.Value is { Length: > 0 } issuer ? $"{issuer} {userId}" : null;
    }

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
