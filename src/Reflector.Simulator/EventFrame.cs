using System.Buffers;
using System.Text.Json;

namespace Reflector.Simulator;

// Builds the one frame shape Reflector sends: {"event":NAME,"data":{...}}, compact, event first.
internal static class EventFrame
{
    public static byte[] Serialize(string eventName, object? data)
    {
        var buffer = new ArrayBufferWriter<byte>(256);
        using (var writer = new Utf8JsonWriter(buffer))
        {
            writer.WriteStartObject();
            writer.WriteString("event", eventName);
            writer.WritePropertyName("data");
            JsonSerializer.Serialize(writer, data, data?.GetType() ?? typeof(object));
            writer.WriteEndObject();
        }

        return buffer.WrittenSpan.ToArray();
    }
}
