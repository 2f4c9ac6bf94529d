using Microsoft.Extensions.Options;

namespace Reflector.Relay.Streams;

/// <summary>How the relay reaches Reflector's <c>/v1/events</c>. Bound from the <c>Upstream</c> section.</summary>
internal sealed class UpstreamOptions
{
    public const string SectionName = "Upstream";

    /// <summary><c>ws://</c> or <c>wss://</c> URL of Reflector's <c>/v1/events</c>. Required.</summary>
    public string? EventsUrl { get; set; }

    /// <summary>
    /// <c>ws://</c> or <c>wss://</c> URL template of Reflector's per-transcript stream, with <c>{transcriptId}</c> where
    /// the transcript id goes. Optional: by default <see cref="EventsUrl"/>'s scheme, host and port with the path
    /// <c>/v1/transcripts/{transcriptId}/events</c> (Reflector's own layout).
    /// </summary>
    public string? TranscriptEventsUrl { get; set; }

    /// <summary>
    /// Largest frame relayed on a transcript stream. A topic carries its text and segments, so a long meeting's frames
    /// are far larger than user events. Default 1 MiB.
    /// </summary>
    public int MaxTranscriptMessageBytes { get; set; } = 1024 * 1024;

    /// <summary>How long an upstream socket stays open after its user's last connection leaves. Default 1 s.</summary>
    public TimeSpan Linger { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>Largest upstream frame relayed; larger frames are dropped without being buffered whole. Default 64 KiB.</summary>
    public int MaxMessageBytes { get; set; } = 64 * 1024;

    /// <summary>How long one handshake may take before it counts as failed. Default 10 s.</summary>
    public TimeSpan ConnectTimeout { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>
    /// Handshakes in flight at once across all users. After an upstream restart every user reconnects;
    /// jitter spreads them in time and this bounds the burst. Default 64.
    /// </summary>
    public int MaxConcurrentHandshakes { get; set; } = 64;

    /// <summary>
    /// Handshakes of transcript streams in flight at once across all users, in a pool of their own: however many
    /// subscriptions wait for a handshake, the <see cref="MaxConcurrentHandshakes"/> slots stay free for users' own
    /// streams (<c>/v1/events</c>) and their reconnects. Default 16.
    /// </summary>
    public int MaxConcurrentTranscriptHandshakes { get; set; } = 16;

    /// <summary>Interval of WebSocket pings to the upstream; Reflector sends nothing on a quiet stream. Default 15 s.</summary>
    public TimeSpan KeepAliveInterval { get; set; } = TimeSpan.FromSeconds(15);

    /// <summary>How long a ping may go unanswered before the socket is treated as dead. Default 10 s.</summary>
    public TimeSpan KeepAliveTimeout { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>Median of the first reconnect delay; later delays grow exponentially, with jitter. Default 1 s.</summary>
    public TimeSpan ReconnectDelay { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>Upper bound of a reconnect delay. Default 30 s.</summary>
    public TimeSpan MaxReconnectDelay { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>A connection that stayed up this long resets the backoff. Default 10 s.</summary>
    public TimeSpan StableAfter { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>How long a clean close waits for the upstream's answering close frame. Default 2 s.</summary>
    public TimeSpan CloseTimeout { get; set; } = TimeSpan.FromSeconds(2);

    public Uri EventsUri => new(EventsUrl!, UriKind.Absolute);

    /// <summary>The template in effect: <see cref="TranscriptEventsUrl"/>, or the one derived from <see cref="EventsUrl"/>.</summary>
    public string? TranscriptEventsUrlTemplate
    {
        get
        {
            if (!string.IsNullOrWhiteSpace(TranscriptEventsUrl))
            {
                return TranscriptEventsUrl;
            }

            if (EventsUrl is null || !Uri.TryCreate(EventsUrl, UriKind.Absolute, out var events))
            {
                return null;
            }

            return events.GetLeftPart(UriPartial.Authority) + "/v1/transcripts/" + TranscriptIdPlaceholder + "/events";
        }
    }

    public const string TranscriptIdPlaceholder = "{transcriptId}";

    /// <summary>
    /// The stream of <paramref name="transcriptId"/>: the template with the id as one path segment. The hub lets only
    /// ids of <see cref="Transcripts.TranscriptId"/>'s shape through; checked again here, because an id such as <c>..</c>
    /// would otherwise walk the path to another endpoint (<c>Uri</c> resolves dot segments, and escaping leaves dots).
    /// </summary>
    /// <exception cref="ArgumentException">The id is not of a transcript id's shape (the message does not repeat it).</exception>
    public Uri TranscriptEventsUri(string transcriptId)
    {
        if (!Transcripts.TranscriptId.IsValid(transcriptId))
        {
            throw new ArgumentException(Transcripts.TranscriptId.ShapeRequired, nameof(transcriptId));
        }

        // Escaping changes nothing in an id of that shape; it stays so that no future shape can slip a separator in.
        return new(TranscriptEventsUrlTemplate!.Replace(TranscriptIdPlaceholder, Uri.EscapeDataString(transcriptId), StringComparison.Ordinal), UriKind.Absolute);
    }
}

internal sealed class UpstreamOptionsValidator : IValidateOptions<UpstreamOptions>
{
    public ValidateOptionsResult Validate(string? name, UpstreamOptions options)
    {
        var failures = new List<string>();

        if (string.IsNullOrWhiteSpace(options.EventsUrl))
        {
            failures.Add("Upstream:EventsUrl (environment variable Upstream__EventsUrl) is required: " +
                "the ws:// or wss:// URL of Reflector's /v1/events.");
        }
        else if (!Uri.TryCreate(options.EventsUrl, UriKind.Absolute, out var uri) ||
                 (uri.Scheme != Uri.UriSchemeWs && uri.Scheme != Uri.UriSchemeWss))
        {
            failures.Add($"Upstream:EventsUrl must be a ws:// or wss:// URL; got '{options.EventsUrl}'.");
        }

        if (options.TranscriptEventsUrlTemplate is { } template &&
            (!template.Contains(UpstreamOptions.TranscriptIdPlaceholder, StringComparison.Ordinal) ||
             !Uri.TryCreate(template.Replace(UpstreamOptions.TranscriptIdPlaceholder, "t", StringComparison.Ordinal), UriKind.Absolute, out var transcriptUri) ||
             (transcriptUri.Scheme != Uri.UriSchemeWs && transcriptUri.Scheme != Uri.UriSchemeWss)))
        {
            failures.Add("Upstream:TranscriptEventsUrl (environment variable Upstream__TranscriptEventsUrl) must be a ws:// or wss:// " +
                $"URL template containing {UpstreamOptions.TranscriptIdPlaceholder}; got '{template}'.");
        }

        RequireNonNegative(failures, options.Linger, "Linger");
        RequirePositive(failures, options.ConnectTimeout, "ConnectTimeout");
        RequireNonNegative(failures, options.KeepAliveInterval, "KeepAliveInterval");
        RequireNonNegative(failures, options.KeepAliveTimeout, "KeepAliveTimeout");
        RequirePositive(failures, options.ReconnectDelay, "ReconnectDelay");
        RequirePositive(failures, options.MaxReconnectDelay, "MaxReconnectDelay");
        RequireNonNegative(failures, options.StableAfter, "StableAfter");
        RequirePositive(failures, options.CloseTimeout, "CloseTimeout");

        if (options.MaxReconnectDelay < options.ReconnectDelay)
        {
            failures.Add("Upstream:MaxReconnectDelay must not be less than Upstream:ReconnectDelay.");
        }

        if (options.MaxConcurrentHandshakes < 1)
        {
            failures.Add($"Upstream:MaxConcurrentHandshakes must be at least 1; got {options.MaxConcurrentHandshakes}.");
        }

        if (options.MaxConcurrentTranscriptHandshakes < 1)
        {
            failures.Add($"Upstream:MaxConcurrentTranscriptHandshakes must be at least 1; got {options.MaxConcurrentTranscriptHandshakes}.");
        }

        if (options.MaxMessageBytes < 256)
        {
            failures.Add($"Upstream:MaxMessageBytes must be at least 256; got {options.MaxMessageBytes}.");
        }

        if (options.MaxTranscriptMessageBytes < 256)
        {
            failures.Add($"Upstream:MaxTranscriptMessageBytes must be at least 256; got {options.MaxTranscriptMessageBytes}.");
        }

        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }

    private static void RequireNonNegative(List<string> failures, TimeSpan value, string key)
    {
        if (value < TimeSpan.Zero)
        {
            failures.Add($"Upstream:{key} must not be negative; got {value}.");
        }
    }

    private static void RequirePositive(List<string> failures, TimeSpan value, string key)
    {
        if (value <= TimeSpan.Zero)
        {
            failures.Add($"Upstream:{key} must be positive; got {value}.");
        }
    }
}
