using Microsoft.Extensions.Options;

namespace Reflector.Relay.Diagnostics;

/// <summary>Where <c>GET /metrics</c> is served. Bound from the <c>Metrics</c> section.</summary>
internal sealed class MetricsOptions
{
    public const string SectionName = "Metrics";

    /// <summary>
    /// A port of its own for <c>/metrics</c>, 1 to 65535: the relay listens on it too, serves <c>/metrics</c> there
    /// and nowhere else, and nothing else there. Unset (the default): <c>/metrics</c> is on the relay's own port.
    /// </summary>
    public int? Port { get; set; }
}

/// <param name="relayUrls">The addresses the relay serves on besides the metrics port, to refuse a clash with one.</param>
internal sealed class MetricsOptionsValidator(IReadOnlyList<BindingAddress> relayUrls) : IValidateOptions<MetricsOptions>
{
    private const string Key = "Metrics:Port (Metrics__Port)";

    public ValidateOptionsResult Validate(string? name, MetricsOptions options)
    {
        if (options.Port is not { } port)
        {
            return ValidateOptionsResult.Success;
        }

        if (port is < 1 or > 65535)
        {
            return ValidateOptionsResult.Fail($"{Key} must be a TCP port from 1 to 65535; got {port}.");
        }

        if (relayUrls.FirstOrDefault(url => url.Port == port) is { } clash)
        {
            return ValidateOptionsResult.Fail($"{Key} must differ from the port the relay serves on ({clash}); got {port}.");
        }

        return ValidateOptionsResult.Success;
    }
}
