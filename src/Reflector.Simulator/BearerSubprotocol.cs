using Microsoft.Extensions.Primitives;

namespace Reflector.Simulator;

// Browsers cannot set headers on a WebSocket, so Reflector reads the JWT from the offered subprotocols.
internal static class BearerSubprotocol
{
    public const string Name = "bearer";

    public static string? FindToken(StringValues headerValues)
    {
        var parts = string.Join(',', headerValues.ToArray())
            .Split(',', StringSplitOptions.TrimEntries);
        return parts.Length >= 2 && string.Equals(parts[0], Name, StringComparison.OrdinalIgnoreCase) && parts[1].Length > 0
            ? parts[1]
            : null;
    }
}
