using System.Security.Claims;
using System.Text.Encodings.Web;
using Microsoft.AspNetCore.Authentication;
using Microsoft.Extensions.Options;
using Microsoft.AspNetCore.SignalR;

namespace Reflector.Relay.Auth;

/// <summary>
/// The default authenticate scheme: on the hub's endpoints (negotiate and connect), the user of whichever configured schemes accept the token,
/// merged as the authorization policy merges them. <c>UseAuthentication</c> thus sets the user before the rate
/// limiter runs. The policy authenticates with the same schemes again; each scheme's result is cached per request,
/// so no token is validated twice. Challenges stay with the policy's schemes.
/// </summary>
internal sealed class HubUserAuthentication(
    IOptionsMonitor<AuthenticationSchemeOptions> options,
    ILoggerFactory logger,
    UrlEncoder encoder,
    IOptions<RelayAuthenticationOptions> relay,
    IConfiguration configuration)
    : AuthenticationHandler<AuthenticationSchemeOptions>(options, logger, encoder)
{
    public const string SchemeName = "ReflectorHubUser";

    protected override async Task<AuthenticateResult> HandleAuthenticateAsync()
    {
        // Every other endpoint is anonymous: no token is looked at there.
        if (Context.GetEndpoint()?.Metadata.GetMetadata<HubMetadata>() is null)
        {
            return AuthenticateResult.NoResult();
        }

        ClaimsPrincipal? user = null;
        AuthenticationProperties? properties = null;
        foreach (var scheme in RelayAuthentication.ConfiguredSchemes(relay.Value, configuration))
        {
            var result = await Context.AuthenticateAsync(scheme).ConfigureAwait(false);
            if (result.Succeeded)
            {
                user = user is null ? result.Principal : new ClaimsPrincipal(result.Principal.Identities.Concat(user.Identities));
                properties ??= result.Properties;
            }
        }

        return user is null ? AuthenticateResult.NoResult() : AuthenticateResult.Success(new AuthenticationTicket(user, properties, SchemeName));
    }
}
