namespace Reflector.Simulator;

// Who may open a transcript's event socket, as Reflector's share_mode says. A transcript without an
// owner is open to anyone whatever its mode.
public enum TranscriptShareMode
{
    // Only the owner: the token's sub must equal the transcript's owner.
    Private,

    // Any signed-in user.
    SemiPrivate,

    // Anyone, with or without a token.
    Public,
}

internal static class TranscriptShareModes
{
    // Reflector's spelling on the wire.
    public static string ToWire(this TranscriptShareMode mode) => mode switch
    {
        TranscriptShareMode.Private => "private",
        TranscriptShareMode.SemiPrivate => "semi-private",
        TranscriptShareMode.Public => "public",
        _ => throw new ArgumentOutOfRangeException(nameof(mode), mode, null),
    };

    public static bool TryParse(string? wire, out TranscriptShareMode mode)
    {
        switch (wire)
        {
            case "private":
                mode = TranscriptShareMode.Private;
                return true;
            case "semi-private":
                mode = TranscriptShareMode.SemiPrivate;
                return true;
            case "public":
                mode = TranscriptShareMode.Public;
                return true;
            default:
                mode = default;
                return false;
        }
    }
}
