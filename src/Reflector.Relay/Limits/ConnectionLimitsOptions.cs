using Microsoft.Extensions.Options;

namespace Reflector.Relay.Limits;

/// <summary>Bounds on what one user or one address can take. Bound from the <c>Limits</c> section.</summary>
internal sealed class ConnectionLimitsOptions
{
    public const string SectionName = "Limits";

    /// <summary>Live connections one user may hold; the next is refused. Default 20.</summary>
    public int MaxConnectionsPerUser { get; set; } = 20;

    /// <summary>
    /// Messages queued for one connection that is not reading; one more and it is disconnected, so a stalled
    /// tab never delays anyone else. Default 512.
    /// </summary>
    public int MaxQueuedMessagesPerConnection { get; set; } = 512;

    /// <summary>Negotiations one user may start per minute; more get 429. Default 60.</summary>
    public int NegotiationsPerUserPerMinute { get; set; } = 60;

    /// <summary>Negotiations one client address may start per minute; more get 429. Default 600.</summary>
    public int NegotiationsPerAddressPerMinute { get; set; } = 600;
}

internal sealed class ConnectionLimitsOptionsValidator : IValidateOptions<ConnectionLimitsOptions>
{
    public ValidateOptionsResult Validate(string? name, ConnectionLimitsOptions options)
    {
        var failures = new List<string>();
        Positive(failures, options.MaxConnectionsPerUser, nameof(options.MaxConnectionsPerUser));
        Positive(failures, options.MaxQueuedMessagesPerConnection, nameof(options.MaxQueuedMessagesPerConnection));
        Positive(failures, options.NegotiationsPerUserPerMinute, nameof(options.NegotiationsPerUserPerMinute));
        Positive(failures, options.NegotiationsPerAddressPerMinute, nameof(options.NegotiationsPerAddressPerMinute));
        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }

    private static void Positive(List<string> failures, int value, string key)
    {
        if (value < 1)
        {
            failures.Add($"Limits:{key} (Limits__{key}) must be at least 1; got {value}.");
        }
    }
}
