using System.Security.Claims;

namespace Reflector.Relay.Auth;

/// <summary>A principal with only the claims the relay reads, and no reference to the token it came from.</summary>
internal static class SlimPrincipal
{
    private static readonly string[] KeptClaims = [UserKeys.SubjectClaim, UserKeys.IssuerClaim, BearerToken.ExpiryClaim];

    public static ClaimsPrincipal From(ClaimsPrincipal validated)
    {
        var identities = new List<ClaimsIdentity>();
        foreach (var identity in validated.Identities)
        {
            var claims = new List<Claim>(KeptClaims.Length);
            foreach (var claim in identity.Claims)
            {
                if (Array.IndexOf(KeptClaims, claim.Type) >= 0)
                {
                    claims.Add(new Claim(claim.Type, claim.Value, claim.ValueType, claim.Issuer, claim.OriginalIssuer));
                }
            }

            identities.Add(new ClaimsIdentity(claims, identity.AuthenticationType, identity.NameClaimType, identity.RoleClaimType));
        }

        return new ClaimsPrincipal(identities);
    }
}
