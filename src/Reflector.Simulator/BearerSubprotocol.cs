using Microsoft.Extensions.Primitives;

namespace Reflector.Simulator;

// Browsers cannot set headers on a WebSocket, so Reflector reads the JWT from the offered subprotocols.
internal static class BearerSubprotocol
{
    public const string Name = "bearer";

    public static string? FindToken(StringValues headerValues)
    {
        var parts = Parts(headerValues);
        return parts.Length >= 2 && string.Equals(parts[0], Name, StringComparison.OrdinalIgnoreCase) && parts[1].Length > 0
            ? parts[1]
            : null;
    }

    // True when the client offered `bearer` first, with or without a token after it.
    public static bool IsOffered(StringValues headerValues) =>
        string.Equals(Parts(headerValues)[0], Name, StringComparison.OrdinalIgnoreCase);

    private static string[] Parts(StringValues headerValues) =>
        string.Join(',', headerValues.ToArray()).Split(',', StringSplitOptions.TrimEntries);
}
