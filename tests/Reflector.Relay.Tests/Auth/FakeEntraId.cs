using System.Text.Json;
using Microsoft.AspNetCore.Authentication.JwtBearer;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Identity.Web;
using Reflector.Relay.Auth;

namespace Reflector.Relay.Tests.Auth;

/// <summary>
/// login.microsoftonline.com for one tenant, offline: its v2.0 discovery document and signing keys, served to
/// both components that fetch them. Microsoft.Identity.Web's issuer validator caches its metadata in a
/// process-wide static keyed by authority, so the keys and the handler are static too, and the tenant id is
/// used by these tests only.
/// </summary>
internal static class FakeEntraId
{
    public const string Instance = "https://login.microsoftonline.com/";
    public const string TenantId = "5c0e1d7a-3b94-4f62-8a1e-9d2f6b7c4e31";
    public const string OtherTenantId = "a7e2c914-6d03-4b8f-b5a1-0c9e3f7d2a68";
    public const string ClientId = "e3b8f0c2-71a4-4d9e-a6c5-2f1b9d8e7a40";

    private const string ValidatorClientName = "Reflector.Relay.Tests.EntraIssuerMetadata";

    public static TestIssuer Signer { get; } = new("entra-key-1");

    /// <summary>Another key published under the same key id: only the signature can tell them apart.</summary>
    public static TestIssuer Impostor { get; } = new("entra-key-1");

    private static readonly MetadataHandler Metadata = new MetadataHandler()
        .Serve($"{Instance}{TenantId}/v2.0/.well-known/openid-configuration", JsonSerializer.Serialize(new Dictionary<string, object>
        {
            // Tenant-specific metadata names the tenant itself; only /common and /organizations carry "{tenantid}".
            ["issuer"] = Issuer(TenantId),
            ["jwks_uri"] = $"{Instance}{TenantId}/discovery/v2.0/keys",
            ["authorization_endpoint"] = $"{Instance}{TenantId}/oauth2/v2.0/authorize",
            ["token_endpoint"] = $"{Instance}{TenantId}/oauth2/v2.0/token",
            ["id_token_signing_alg_values_supported"] = new[] { "RS256" },
            ["response_types_supported"] = new[] { "code", "id_token", "code id_token", "id_token token" },
            ["subject_types_supported"] = new[] { "pairwise" },
        }))
        .Serve($"{Instance}{TenantId}/discovery/v2.0/keys", Signer.Jwks(Issuer(TenantId)));

    public static IReadOnlyDictionary<string, string?> Settings { get; } = new Dictionary<string, string?>
    {
        // Entra ID alone: the simulator's public key is not trusted here.
        ["Authentication:Jwt:PublicKeyFile"] = "",
        ["AzureAd:Instance"] = Instance,
        ["AzureAd:TenantId"] = TenantId,
        ["AzureAd:ClientId"] = ClientId,
    };

    public static string Issuer(string tenantId) => $"{Instance}{tenantId}/v2.0";

    /// <summary>Points both metadata readers at <see cref="Metadata"/>; token validation itself is untouched.</summary>
    public static void ServeMetadataOffline(IServiceCollection services)
    {
        // JwtBearer's own ConfigurationManager (signing keys). Configure, not PostConfigure: JwtBearer's
        // post-configuration builds that manager from the handler, and runs before a later PostConfigure.
        services.Configure<JwtBearerOptions>(RelayAuthentication.AzureAdScheme, bearer => bearer.BackchannelHttpHandler = Metadata);

        // Microsoft.Identity.Web's issuer validator reads the same metadata through a manager of its own,
        // with IHttpClientFactory only when given a client name (otherwise a static HttpClient goes online).
        services.Configure<AadIssuerValidatorOptions>(options => options.HttpClientName = ValidatorClientName);
        services.AddHttpClient(ValidatorClientName).ConfigurePrimaryHttpMessageHandler(() => Metadata);
    }

    /// <summary>The claims of a v2.0 access token for this tenant's API, delegated (<c>scp</c>), for a fresh user.</summary>
    public static Dictionary<string, object> AccessTokenClaims(DateTimeOffset? expires = null)
    {
        var claims = TestIssuer.Lifetime(expires ?? TestIssuer.InAnHour);
        claims["iss"] = Issuer(TenantId);
        claims["aud"] = ClientId;
        claims["tid"] = TenantId;
        claims["ver"] = "2.0";
        claims["scp"] = "access_as_user";
        claims["oid"] = Guid.NewGuid().ToString();
        claims["sub"] = "pairwise-" + Guid.NewGuid().ToString("N");
        // An optional claim the app registration adds, since Reflector needs it (Authentication:RequiredClaims).
        claims["email"] = "someone@example.com";
        return claims;
    }
}
