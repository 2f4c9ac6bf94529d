using System.Text.Json;
using System.Text.Json.Nodes;
using MessagePack;
using MessagePack.Formatters;
using MessagePack.Resolvers;
using Microsoft.AspNetCore.SignalR;
using Microsoft.Extensions.Options;
using Reflector.Relay.Events;

namespace Reflector.Relay.Hubs;

/// <summary>
/// Makes the MessagePack hub protocol carry the contract's messages in the same shape as the JSON protocol:
/// a map with <c>type</c> and camelCase fields, enum members by their contract names. MessagePack-CSharp's
/// contractless resolver would otherwise write the runtime record's PascalCase properties and no
/// discriminator. The shape is produced by System.Text.Json with the JSON protocol's own options, so the
/// two protocols cannot disagree.
/// </summary>
internal sealed class ContractMessagePackSetup(IOptions<JsonHubProtocolOptions> json) : IConfigureOptions<MessagePackHubProtocolOptions>
{
    public void Configure(MessagePackHubProtocolOptions options)
    {
        var resolver = CompositeResolver.Create(
            new ContractFormatterResolver(json.Value.PayloadSerializerOptions),
            options.SerializerOptions.Resolver);
        options.SerializerOptions = options.SerializerOptions.WithResolver(resolver);
    }
}

/// <summary>Formatters for the contract's message types; every other type falls through to the next resolver.</summary>
internal sealed class ContractFormatterResolver(JsonSerializerOptions jsonOptions) : IFormatterResolver
{
    // Polymorphic bases: derived records are written through the base type, which is where the discriminator lives.
    private static readonly Type[] ContractTypes = [typeof(InvalidateMessage), typeof(TranscriptEventMessage), typeof(UpstreamStatus)];

    public IMessagePackFormatter<T>? GetFormatter<T>()
    {
        foreach (var contractType in ContractTypes)
        {
            if (contractType.IsAssignableFrom(typeof(T)))
            {
                return new JsonShapedFormatter<T>(contractType, jsonOptions);
            }
        }

        return null;
    }
}

/// <summary>Writes a value as the MessagePack equivalent of its JSON form, and reads such a map back.</summary>
internal sealed class JsonShapedFormatter<T>(Type contractType, JsonSerializerOptions jsonOptions) : IMessagePackFormatter<T>
{
    public void Serialize(ref MessagePackWriter writer, T value, MessagePackSerializerOptions options)
    {
        if (value is null)
        {
            writer.WriteNil();
            return;
        }

        Write(ref writer, JsonSerializer.SerializeToElement(value, contractType, jsonOptions));
    }

    public T Deserialize(ref MessagePackReader reader, MessagePackSerializerOptions options)
    {
        var node = Read(ref reader);
        return (T)JsonSerializer.Deserialize(node, contractType, jsonOptions)!;
    }

    private static void Write(ref MessagePackWriter writer, JsonElement element)
    {
        switch (element.ValueKind)
        {
            case JsonValueKind.Object:
                writer.WriteMapHeader(element.EnumerateObject().Count());
                foreach (var property in element.EnumerateObject())
                {
                    writer.Write(property.Name);
                    Write(ref writer, property.Value);
                }

                break;
            case JsonValueKind.Array:
                writer.WriteArrayHeader(element.GetArrayLength());
                foreach (var item in element.EnumerateArray())
                {
                    Write(ref writer, item);
                }

                break;
            case JsonValueKind.String:
                writer.Write(element.GetString());
                break;
            case JsonValueKind.Number when element.TryGetInt64(out var integer):
                writer.Write(integer);
                break;
            case JsonValueKind.Number:
                writer.Write(element.GetDouble());
                break;
            case JsonValueKind.True:
                writer.Write(true);
                break;
            case JsonValueKind.False:
                writer.Write(false);
                break;
            default:
                writer.WriteNil();
                break;
        }
    }

    private static JsonNode? Read(ref MessagePackReader reader)
    {
        switch (reader.NextMessagePackType)
        {
            case MessagePackType.Map:
                var count = reader.ReadMapHeader();
                var map = new JsonObject();
                for (var i = 0; i < count; i++)
                {
                    var name = reader.ReadString() ?? throw new MessagePackSerializationException("A map key of a contract message is nil.");
                    map[name] = Read(ref reader);
                }

                return map;
            case MessagePackType.Array:
                var length = reader.ReadArrayHeader();
                var array = new JsonArray();
                for (var i = 0; i < length; i++)
                {
                    array.Add(Read(ref reader));
                }

                return array;
            case MessagePackType.String:
                return JsonValue.Create(reader.ReadString());
            case MessagePackType.Integer:
                return JsonValue.Create(reader.ReadInt64());
            case MessagePackType.Float:
                return JsonValue.Create(reader.ReadDouble());
            case MessagePackType.Boolean:
                return JsonValue.Create(reader.ReadBoolean());
            case MessagePackType.Nil:
                reader.ReadNil();
                return null;
            default:
                throw new MessagePackSerializationException($"Unexpected {reader.NextMessagePackType} in a contract message.");
        }
    }
}
