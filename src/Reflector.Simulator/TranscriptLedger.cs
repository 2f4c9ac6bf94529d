using System.Text.Json;

namespace Reflector.Simulator;

// What Reflector's database would hold after the events the simulator emitted: one row per transcript, per user.
// Reflector's frontend refetches its transcript list when told something changed; the demo does the same
// through GET /dev/transcripts, so a missed event shows up after a resync exactly as it would in the product.
internal sealed class TranscriptLedger
{
    private readonly Lock _gate = new();
    private readonly Dictionary<string, List<TranscriptRow>> _rows = new(StringComparer.Ordinal);

    public void Record(string userId, string eventName, JsonElement data)
    {
        if (data.ValueKind != JsonValueKind.Object ||
            !data.TryGetProperty("id", out var idElement) || idElement.GetString() is not { Length: > 0 } id)
        {
            return;
        }

        lock (_gate)
        {
            if (!_rows.TryGetValue(userId, out var rows))
            {
                rows = [];
                _rows[userId] = rows;
            }

            var index = rows.FindIndex(row => row.Id == id);
            var row = index >= 0 ? rows[index] : new TranscriptRow(id, Title: null, Status: "idle", Duration: null, Deleted: false);
            row = eventName switch
            {
                "TRANSCRIPT_DELETED" => row with { Deleted = true },
                "TRANSCRIPT_RESTORED" => row with { Deleted = false },
                "TRANSCRIPT_STATUS" when Text(data, "value") is { } status => row with { Status = status },
                "TRANSCRIPT_FINAL_TITLE" when Text(data, "title") is { } title => row with { Title = title },
                "TRANSCRIPT_DURATION" when data.TryGetProperty("duration", out var d) && d.TryGetDouble(out var duration) => row with { Duration = duration },
                _ => row,
            };

            if (index >= 0)
            {
                rows[index] = row;
            }
            else
            {
                rows.Add(row);
            }
        }
    }

    public TranscriptRow[] Of(string userId)
    {
        lock (_gate)
        {
            return _rows.TryGetValue(userId, out var rows) ? [.. rows] : [];
        }
    }

    private static string? Text(JsonElement data, string name) =>
        data.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String ? value.GetString() : null;
}

internal sealed record TranscriptRow(string Id, string? Title, string Status, double? Duration, bool Deleted);
