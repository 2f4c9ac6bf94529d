using System.Text.Json.Nodes;

namespace Reflector.Simulator;

// Plausible per-transcript event data for the dev endpoints and the live-meeting load, shaped like
// Reflector's: one instance per transcript, so DURATION grows and topics follow each other in time.
// uploaded: the file pipeline's shape (an uploaded file or a room recording), whose topics carry words
// ({text, start, end, speaker}, each with its leading space) instead of segments, and a duration of 0.
internal sealed class SampleMeeting(bool uploaded = false)
{
    public const int WaveformLength = 255;

    private static readonly string[] Speech =
    [
        "Let's start with the numbers from last week.",
        "I think we should ship the settings page first.",
        "Can everyone see my screen?",
        "The migration finished overnight without errors.",
        "We still need a decision on the pricing tiers.",
        "I'll follow up with the design team tomorrow.",
        "That matches what customers told us in the interviews.",
        "Let's park that and come back to it at the end.",
    ];

    private static readonly string[] TopicTitles =
    [
        "Release schedule",
        "Customer feedback",
        "Infrastructure costs",
        "Hiring plan",
        "Design review",
        "Open questions",
    ];

    private static readonly string[] Statuses = ["idle", "uploaded", "recording", "processing", "error", "ended"];

    private readonly Lock _gate = new();
    private double _elapsed;
    private double _topicStart;
    private int _topics;

    public const int TopicSegments = 3;

    public JsonObject Next(string eventName) => Next(eventName, TopicSegments);

    // topicSegments: how many speaker segments a TOPIC holds (its transcript is their text joined); a
    // topic of a few minutes of speech has dozens, several KB in all.
    public JsonObject Next(string eventName, int topicSegments)
    {
        lock (_gate)
        {
            return eventName switch
            {
                "TRANSCRIPT" => new JsonObject { ["text"] = Pick(Speech), ["translation"] = null },
                "TOPIC" => NextTopic(topicSegments),
                "STATUS" => new JsonObject { ["value"] = Pick(Statuses) },
                "FINAL_TITLE" => new JsonObject { ["title"] = "Weekly product sync" },
                "FINAL_LONG_SUMMARY" => new JsonObject
                {
                    ["long_summary"] = "The team reviewed the release schedule, went through customer feedback and agreed on the next steps for the settings page.",
                },
                "FINAL_SHORT_SUMMARY" => new JsonObject { ["short_summary"] = "Release schedule and customer feedback." },
                "ACTION_ITEMS" => new JsonObject
                {
                    ["action_items"] = new JsonObject
                    {
                        ["decisions"] = new JsonArray("Ship the settings page first"),
                        ["next_steps"] = new JsonArray(new JsonObject { ["task"] = "Follow up with the design team", ["assigned_to"] = "Speaker 1" }),
                    },
                },
                "DURATION" => new JsonObject { ["duration"] = Advance() },
                "WAVEFORM" => new JsonObject { ["waveform"] = Waveform() },
                // A newer Reflector's events (its pipelines' task graph), for relays and pages that do not know them yet.
                "DAG_STATUS" => new JsonObject
                {
                    ["status"] = "running",
                    ["tasks"] = new JsonArray(
                        new JsonObject { ["name"] = "transcribe", ["status"] = "done" },
                        new JsonObject { ["name"] = "diarize", ["status"] = "running" }),
                },
                "DAG_TASK_PROGRESS" => new JsonObject { ["task"] = "diarize", ["progress"] = Math.Round(Random.Shared.NextDouble(), 2) },
                _ => [],
            };
        }
    }

    public bool Uploaded { get; } = uploaded;

    private JsonObject NextTopic(int segmentCount)
    {
        return Uploaded ? NextTopicOfWords(segmentCount) : NextTopicOfSegments(segmentCount);
    }

    private JsonObject NextTopicOfWords(int sentenceCount)
    {
        _topics++;
        var start = _topicStart;
        var end = Math.Max(Advance(), start + 1);
        _topicStart = end;
        var words = new List<(string Text, int Speaker)>();
        for (var i = 0; i < sentenceCount; i++)
        {
            words.AddRange(Pick(Speech).Split(' ').Select(word => (" " + word, i % 2)));
        }

        var wordArray = new JsonArray();
        var step = (end - start) / words.Count;
        for (var i = 0; i < words.Count; i++)
        {
            wordArray.Add(new JsonObject
            {
                ["text"] = words[i].Text,
                ["start"] = Math.Round(start + (step * i), 2),
                ["end"] = Math.Round(start + (step * (i + 1)), 2),
                ["speaker"] = words[i].Speaker,
            });
        }

        return new JsonObject
        {
            ["id"] = Guid.NewGuid().ToString(),
            ["title"] = $"{Pick(TopicTitles)} ({_topics})",
            ["summary"] = "The participants discussed the topic and agreed to revisit it next week.",
            ["timestamp"] = Math.Round(start, 2),
            ["duration"] = 0,
            ["transcript"] = string.Concat(words.Select(word => word.Text)),
            ["words"] = wordArray,
        };
    }

    private JsonObject NextTopicOfSegments(int segmentCount)
    {
        _topics++;
        var start = _topicStart;
        var end = Math.Max(Advance(), start + 1);
        _topicStart = end;
        var segments = new JsonArray();
        var sentences = new List<string>();
        for (var i = 0; i < segmentCount; i++)
        {
            var text = Pick(Speech);
            sentences.Add(text);
            segments.Add(new JsonObject
            {
                ["text"] = text,
                ["start"] = Math.Round(start + ((end - start) * i / segmentCount), 2),
                ["speaker"] = i % 2,
            });
        }

        return new JsonObject
        {
            ["id"] = Guid.NewGuid().ToString(),
            ["title"] = $"{Pick(TopicTitles)} ({_topics})",
            ["summary"] = "The participants discussed the topic and agreed to revisit it next week.",
            ["timestamp"] = Math.Round(start, 2),
            ["duration"] = Math.Round(end - start, 2),
            ["transcript"] = string.Join(' ', sentences),
            ["segments"] = segments,
        };
    }

    private double Advance()
    {
        _elapsed = Math.Round(_elapsed + 5 + (Random.Shared.NextDouble() * 10), 2);
        return _elapsed;
    }

    private static JsonArray Waveform()
    {
        var values = new JsonArray();
        for (var i = 0; i < WaveformLength; i++)
        {
            values.Add(Math.Round(Random.Shared.NextDouble(), 3));
        }

        return values;
    }

    private static string Pick(string[] values) => values[Random.Shared.Next(values.Length)];
}
