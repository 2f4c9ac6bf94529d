using System.Text.Json;
using Microsoft.AspNetCore.Authentication.JwtBearer;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;

namespace Reflector.Relay.Auth;

/// <summary>
/// Refuses at negotiate a token that lacks a claim Reflector needs (<c>Authentication:RequiredClaims</c>): Reflector
/// would refuse its upstream socket on every try, so the browser is told at once, with a 401 whose body names the
/// missing claim, instead of being accepted and left waiting on an upstream that never opens.
/// </summary>
internal static class RequiredClaims
{
    private static readonly object MissingClaimKey = new();

    public static void Apply(JwtBearerOptions bearer, IReadOnlyList<string> required)
    {
        if (required.Count == 0)
        {
            return;
        }

        bearer.Events ??= new JwtBearerEvents();
        var previousValidated = bearer.Events.OnTokenValidated;
        bearer.Events.OnTokenValidated = async context =>
        {
            if (previousValidated is not null)
            {
                await previousValidated(context).ConfigureAwait(false);
            }

            if (context.Result is null && context.SecurityToken is JsonWebToken jwt && FirstMissing(jwt, required) is { } missing)
            {
                context.HttpContext.Items[MissingClaimKey] = missing;
                context.Fail($"The token has no '{missing}' claim.");
            }
        };

        var previousChallenge = bearer.Events.OnChallenge;
        bearer.Events.OnChallenge = async context =>
        {
            if (context.HttpContext.Items[MissingClaimKey] is not string missing)
            {
                if (previousChallenge is not null)
                {
                    await previousChallenge(context).ConfigureAwait(false);
                }

                return;
            }

            // Every configured scheme is challenged in turn; the first one tells the client, the rest stay quiet.
            context.HandleResponse();
            if (context.Response.HasStarted)
            {
                return;
            }

            var message = $"The token has no '{missing}' claim, which Reflector requires (Authentication:RequiredClaims); sign in again to get one that has it.";
            context.Response.StatusCode = StatusCodes.Status401Unauthorized;
            context.Response.Headers.WWWAuthenticate = $"Bearer error=\"invalid_token\", error_description=\"The token has no '{missing}' claim\"";
            context.Response.ContentType = "text/plain; charset=utf-8";
            await context.Response.WriteAsync(message).ConfigureAwait(false);
        };
    }

    /// <summary>Read from the raw payload, as Reflector reads it: a null or empty value is no value.</summary>
    private static string? FirstMissing(JsonWebToken jwt, IReadOnlyList<string> required)
    {
        using var payload = JsonDocument.Parse(Base64UrlEncoder.DecodeBytes(jwt.EncodedPayload));
        foreach (var claim in required)
        {
            if (!payload.RootElement.TryGetProperty(claim, out var value) ||
                value.ValueKind is JsonValueKind.Null ||
                (value.ValueKind is JsonValueKind.String && value.GetString() is not { Length: > 0 }))
            {
                return claim;
            }
        }

        return null;
    }
}
