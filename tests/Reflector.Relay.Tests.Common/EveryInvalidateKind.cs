using Reflector.Simulator;

namespace Reflector.Relay.Tests.Common;

/// <summary>
/// One upstream event of each kind that becomes an <c>invalidate</c>, and the JSON a tab should read for each:
/// the wire contract written out, so a client sharing the relay's records cannot hide a mistake.
/// </summary>
internal static class EveryInvalidateKind
{
    /// <summary>The messages in the order <see cref="EmitAsync"/> sends their events.</summary>
    public static IReadOnlyList<string> ExpectedJson { get; } =
    [
        """{"type":"transcriptCreated","transcriptId":"t1"}""",
        """{"type":"transcriptStatusChanged","transcriptId":"t1","status":"processing"}""",
        """{"type":"transcriptTitleChanged","transcriptId":"t1","title":"Weekly sync"}""",
        """{"type":"transcriptDurationChanged","transcriptId":"t1","duration":12.5}""",
        """{"type":"transcriptDeleted","transcriptId":"t1"}""",
        """{"type":"transcriptRestored","transcriptId":"t1"}""",
    ];

    public static async Task EmitAsync(SimulatedReflector reflector, string userId)
    {
        await reflector.EmitAsync(userId, "TRANSCRIPT_CREATED", new { id = "t1" });
        await reflector.EmitAsync(userId, "TRANSCRIPT_STATUS", new { id = "t1", value = "processing" });
        await reflector.EmitAsync(userId, "TRANSCRIPT_FINAL_TITLE", new { id = "t1", title = "Weekly sync" });
        await reflector.EmitAsync(userId, "TRANSCRIPT_DURATION", new { id = "t1", duration = 12.5 });
        await reflector.EmitAsync(userId, "TRANSCRIPT_DELETED", new { id = "t1" });
        await reflector.EmitAsync(userId, "TRANSCRIPT_RESTORED", new { id = "t1" });
    }
}
