using System.Buffers;
using System.Diagnostics.CodeAnalysis;

namespace Reflector.Relay.Transcripts;

/// <summary>
/// The shape of a transcript id the relay accepts (the contract's): 1 to 64 ASCII letters, digits, <c>-</c> or <c>_</c>.
/// Reflector's ids are UUIDs. Anything else could change the path it is put in (<c>..</c>, <c>.</c>, <c>/</c>, <c>%</c>),
/// break a header or a log line (newline, NUL), or read differently than it is (a right-to-left mark), so it never
/// leaves the hub.
/// </summary>
internal static class TranscriptId
{
    public const int MaxLength = 64;

    /// <summary>Said to a client whose id is not of the shape; never repeats the id itself.</summary>
    public const string ShapeRequired =
        "A transcript id is required: 1 to 64 ASCII letters, digits, '-' or '_'.";

    private static readonly SearchValues<char> Allowed =
        SearchValues.Create("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_");

    public static bool IsValid([NotNullWhen(true)] string? value) =>
        value is { Length: > 0 and <= MaxLength } && !value.AsSpan().ContainsAnyExcept(Allowed);
}
