using System.Security.Claims;
using Microsoft.Extensions.Options;

namespace Reflector.Relay.Auth;

/// <summary>
/// The one place a user's key is made. Reflector keys its stream by <c>sub</c>, so the relay does too: its
/// SignalR user id, its upstream socket and fan-out group, connection ownership and the per-user rate limit all
/// use this key, and two tokens share a stream only if Reflector would give them the same one.
/// </summary>
internal sealed class UserKeys(IOptions<RelayAuthenticationOptions> options, IConfiguration configuration)
{
    public const string SubjectClaim = "sub";
    public const string IssuerClaim = "iss";

    // Read on first use, not when services are built: an invalid configuration is start-up validation's to report.
    // Trusting several ways of validating tokens, the same subject from two issuers is two people.
    private readonly Lazy<bool> _qualifyByIssuer = new(() => RelayAuthentication.ConfiguredMethods(options.Value, configuration) > 1);

    /// <summary>
    /// The user's key: the token's <c>sub</c>, or <c>"{iss} {sub}"</c> when several ways of validating tokens are
    /// trusted. A token the relay cannot key (no single non-blank string <c>sub</c>, or no <c>iss</c> when one is
    /// needed) has none, and is refused at negotiate by the authorization policy.
    /// </summary>
    public bool TryGet(ClaimsPrincipal? user, out string key) => TryGet(user, _qualifyByIssuer.Value, out key);

    public static bool TryGet(ClaimsPrincipal? user, bool qualifyByIssuer, out string key)
    {
        key = string.Empty;
        if (user?.Identity?.IsAuthenticated != true || !TrySingleString(user, SubjectClaim, out var subject))
        {
            return false;
        }

        if (!qualifyByIssuer)
        {
            key = subject;
            return true;
        }

        if (!TrySingleString(user, IssuerClaim, out var issuer))
        {
            return false;
        }

        key = $"{issuer} {subject}";
        return true;
    }

    /// <summary>Exactly one non-blank string claim; none, several (an array), a blank or a non-string one is nothing.</summary>
    private static bool TrySingleString(ClaimsPrincipal user, string claimType, out string value)
    {
        value = string.Empty;
        Claim? found = null;
        foreach (var claim in user.FindAll(claimType))
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

        value = found.Value;
        return true;
    }
}
