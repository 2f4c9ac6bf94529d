using System.Net;
using Microsoft.Extensions.Options;

namespace Reflector.Relay.Proxies;

/// <summary>
/// Reverse proxies whose <c>X-Forwarded-For</c>, <c>-Proto</c> and <c>-Host</c> are believed. Bound from the
/// <c>ForwardedHeaders</c> section. None by default: anyone can send those headers, so they count only from here.
/// </summary>
internal sealed class TrustedProxyOptions
{
    public const string SectionName = "ForwardedHeaders";

    /// <summary>Addresses of trusted proxies, such as <c>10.0.0.5</c> or <c>fd00::5</c>.</summary>
    public string[] KnownProxies { get; set; } = [];

    /// <summary>Networks of trusted proxies in CIDR notation, such as <c>172.18.0.0/16</c>.</summary>
    public string[] KnownNetworks { get; set; } = [];

    public bool TrustsAny => KnownProxies.Length > 0 || KnownNetworks.Length > 0;
}

internal sealed class TrustedProxyOptionsValidator : IValidateOptions<TrustedProxyOptions>
{
    public ValidateOptionsResult Validate(string? name, TrustedProxyOptions options)
    {
        var failures = new List<string>();
        for (var i = 0; i < options.KnownProxies.Length; i++)
        {
            if (!IPAddress.TryParse(options.KnownProxies[i], out _))
            {
                failures.Add($"{Key(nameof(options.KnownProxies), i)} must be an IP address such as 10.0.0.5; got '{options.KnownProxies[i]}'.");
            }
        }

        for (var i = 0; i < options.KnownNetworks.Length; i++)
        {
            var network = options.KnownNetworks[i];
            var slash = network.IndexOf('/', StringComparison.Ordinal);
            if (slash < 0 || !IPNetwork.TryParse(network, out var parsed))
            {
                failures.Add($"{Key(nameof(options.KnownNetworks), i)} must be a network in CIDR notation such as 172.18.0.0/16; got '{network}'.");
            }
            else if (IPAddress.TryParse(network.AsSpan(0, slash), out var address) && !address.Equals(parsed.BaseAddress))
            {
                // The runtime would quietly widen 10.0.0.5/8 to all of 10.0.0.0/8; trust is not widened by a typo.
                failures.Add($"{Key(nameof(options.KnownNetworks), i)} has address bits beyond its prefix: '{network}' would trust all of " +
                    $"{parsed}; write {parsed} if that is meant, or {address}/{(address.AddressFamily == System.Net.Sockets.AddressFamily.InterNetwork ? 32 : 128)} for the one address.");
            }
        }

        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }

    private static string Key(string list, int index) =>
        $"{TrustedProxyOptions.SectionName}:{list}:{index} ({TrustedProxyOptions.SectionName}__{list}__{index})";
}
