using Microsoft.Extensions.Options;

namespace Reflector.Relay.Anonymous;

/// <summary>
/// Viewers without an account, following public transcripts (Reflector's share links). Bound from the
/// <c>Anonymous</c> section; off unless enabled.
/// </summary>
internal sealed class AnonymousViewerOptions
{
    public const string SectionName = "Anonymous";

    /// <summary>Accept hub connections without a token, allowed only to follow transcripts. Default false.</summary>
    public bool Enabled { get; set; }

    /// <summary>Anonymous connections one client address may hold at once; the next is closed with the reason. Default 20.</summary>
    public int MaxConnectionsPerAddress { get; set; } = 20;
}

internal sealed class AnonymousViewerOptionsValidator : IValidateOptions<AnonymousViewerOptions>
{
    public ValidateOptionsResult Validate(string? name, AnonymousViewerOptions options) =>
        options.MaxConnectionsPerAddress < 1
            ? ValidateOptionsResult.Fail(
                $"Anonymous:MaxConnectionsPerAddress (Anonymous__MaxConnectionsPerAddress) must be at least 1; got {options.MaxConnectionsPerAddress}.")
            : ValidateOptionsResult.Success;
}
