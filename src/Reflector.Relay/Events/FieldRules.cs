namespace Reflector.Relay.Events;

/// <summary>
/// The rules a field of an event's <c>data</c> must meet, shared by both streams' events: each says why a field is
/// unusable, or null when it is fine. Where Reflector's own model is loose, so are these.
/// </summary>
internal static class FieldRules
{
    /// <summary>A value that must be there with its JSON type, whatever it holds (a string may be empty).</summary>
    public static DropReason? Required(FieldState state) => state switch
    {
        FieldState.Present => null,
        FieldState.Missing => DropReason.MissingField,
        _ => DropReason.WrongFieldType,
    };

    /// <summary>A string that must be there and not blank: an id, or a title a list shows.</summary>
    public static DropReason? NonBlankText(JsonField<string?> field) =>
        Required(field.State) ?? (string.IsNullOrWhiteSpace(field.Value) ? DropReason.InvalidFieldValue : null);

    /// <summary>A number that must be there and finite, since the relay could not write anything else to JSON.</summary>
    public static DropReason? FiniteNumber(JsonField<double> field) =>
        Required(field.State) ?? (double.IsFinite(field.Value) ? null : DropReason.InvalidFieldValue);

    /// <summary>A length of time in seconds: there, finite and not negative.</summary>
    public static DropReason? Seconds(JsonField<double> field) =>
        Required(field.State) ?? (IsSeconds(field.Value) ? null : DropReason.InvalidFieldValue);

    /// <summary>A status (<c>data.value</c>) with one of Reflector's names, the same on both streams.</summary>
    public static DropReason? Status(JsonField<string?> field, out TranscriptStatus status)
    {
        status = default;
        return NonBlankText(field) ?? (TryParseStatus(field.Value, out status) ? null : DropReason.InvalidFieldValue);
    }

    private static bool IsSeconds(double value) => double.IsFinite(value) && value >= 0;

    private static bool TryParseStatus(string? value, out TranscriptStatus status)
    {
        switch (value)
        {
            case "idle": status = TranscriptStatus.Idle; return true;
            case "uploaded": status = TranscriptStatus.Uploaded; return true;
            case "recording": status = TranscriptStatus.Recording; return true;
            case "processing": status = TranscriptStatus.Processing; return true;
            case "error": status = TranscriptStatus.Error; return true;
            case "ended": status = TranscriptStatus.Ended; return true;
            default: status = default; return false;
        }
    }
}
