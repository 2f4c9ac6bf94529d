using System.Text.Json.Nodes;

namespace Reflector.Relay.Tests.Events;

/// <summary>Random JSON for the frame parsers' fuzz tests: values of any shape, and fields that are sometimes missing.</summary>
internal static class RandomJson
{
    public static void Maybe(Random random, JsonObject target, string name, Func<JsonNode?> value)
    {
        if (random.Next(8) > 0)
        {
            target[name] = value();
        }
    }

    public static JsonNode? Value(Random random, int depth) => random.Next(depth > 3 ? 4 : 6) switch
    {
        4 => new JsonArray(Enumerable.Range(0, random.Next(4)).Select(_ => Value(random, depth + 1)).ToArray()),
        5 => new JsonObject(Enumerable.Range(0, random.Next(4))
            .Select(i => KeyValuePair.Create(i % 2 == 0 ? "id" : "event" + i, Value(random, depth + 1)))
            .DistinctBy(pair => pair.Key)),
        _ => Scalar(random),
    };

    public static JsonValue? Scalar(Random random) => random.Next(6) switch
    {
        0 => null,
        1 => JsonValue.Create(random.Next(2) == 0),
        2 => JsonValue.Create(random.Next(-5, 5)),
        3 => JsonValue.Create(random.NextDouble() * 1e6),
        4 => JsonValue.Create(""),
        _ => JsonValue.Create(String(random)),
    };

    public static string String(Random random)
    {
        var chars = new char[random.Next(0, 12)];
        for (var i = 0; i < chars.Length; i++)
        {
            chars[i] = random.Next(5) == 0 ? (char)random.Next(0x20, 0x2FF) : (char)random.Next('a', 'z' + 1);
        }

        return new string(chars);
    }

    /// <summary>An envelope around <paramref name="data"/>, with the event or data sometimes missing or of any shape.</summary>
    public static JsonObject Frame(Random random, string[] eventNames, Func<JsonObject> data)
    {
        var frame = new JsonObject();
        if (random.Next(10) > 0)
        {
            frame["event"] = random.Next(8) > 0 ? eventNames[random.Next(eventNames.Length)] : Value(random, 2);
        }

        if (random.Next(10) > 0)
        {
            frame["data"] = random.Next(8) > 0 ? data() : Value(random, 2);
        }

        if (random.Next(4) == 0)
        {
            frame["extra" + random.Next(3)] = Value(random, 1);
        }

        return frame;
    }
}
