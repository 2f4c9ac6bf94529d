using System.Text.Json.Nodes;

namespace Reflector.Simulator;

// Plausible payloads for the dev endpoint, shaped like the user events Reflector publishes.
internal static class SampleEventData
{
    private static readonly string[] Statuses = ["idle", "uploaded", "recording", "processing", "error", "ended"];

    private static readonly string[] Titles =
    [
        "Weekly product sync",
        "Quarterly planning review",
        "Customer onboarding call",
        "Design critique: settings page",
    ];

    public static JsonObject For(string eventName)
    {
        // Reflector's transcript ids are UUID4 strings.
        var data = new JsonObject { ["id"] = Guid.NewGuid().ToString() };
        switch (eventName)
        {
            case "TRANSCRIPT_STATUS":
                data["value"] = Pick(Statuses);
                break;
            case "TRANSCRIPT_FINAL_TITLE":
                data["title"] = Pick(Titles);
                break;
            case "TRANSCRIPT_DURATION":
                data["duration"] = Math.Round(60 + (Random.Shared.NextDouble() * 3600), 2);
                break;
            case "TRANSCRIPT_DAG_STATUS":
                // A newer Reflector's event (its pipelines' task graph), for clients that do not know it yet.
                data["status"] = "running";
                data["tasks"] = new JsonArray(new JsonObject { ["name"] = "diarize", ["status"] = "running" });
                break;
            default:
                break;
        }

        return data;
    }

    private static string Pick(string[] values) => values[Random.Shared.Next(values.Length)];
}
