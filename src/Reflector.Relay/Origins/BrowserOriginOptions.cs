using Microsoft.Extensions.Options;

namespace Reflector.Relay.Origins;

/// <summary>Which web pages may open browser connections to the hub. Bound from the <c>Cors</c> section.</summary>
internal sealed class BrowserOriginOptions
{
    public const string SectionName = "Cors";

    /// <summary>Origins such as <c>https://reflector.example.com</c>. <c>*</c> allows any, outside Production only.</summary>
    public string[] AllowedOrigins { get; set; } = [];

    public bool AllowsAny => AllowedOrigins.Contains("*");

    public bool Allows(string origin) =>
        AllowsAny || AllowedOrigins.Any(allowed => string.Equals(allowed.TrimEnd('/'), origin, StringComparison.OrdinalIgnoreCase));
}

internal sealed class BrowserOriginOptionsValidator(IHostEnvironment environment) : IValidateOptions<BrowserOriginOptions>
{
    public ValidateOptionsResult Validate(string? name, BrowserOriginOptions options)
    {
        var failures = new List<string>();
        for (var i = 0; i < options.AllowedOrigins.Length; i++)
        {
            var origin = options.AllowedOrigins[i];
            if (origin == "*")
            {
                if (environment.IsProduction())
                {
                    failures.Add($"Cors:AllowedOrigins:{i} (Cors__AllowedOrigins__{i}) is '*': a wildcard is not allowed in Production; list the origins.");
                }

                continue;
            }

            if (!Uri.TryCreate(origin, UriKind.Absolute, out var uri) ||
                (uri.Scheme != Uri.UriSchemeHttp && uri.Scheme != Uri.UriSchemeHttps) ||
                uri.PathAndQuery != "/" || !string.IsNullOrEmpty(uri.UserInfo))
            {
                failures.Add($"Cors:AllowedOrigins:{i} (Cors__AllowedOrigins__{i}) must be an origin such as https://app.example.com; got '{origin}'.");
            }
        }

        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }
}
