using System.Diagnostics.CodeAnalysis;
using System.Reflection;
using System.Text.Json;
using System.Text.Json.Serialization.Metadata;
using Reflector.Relay.Events;

namespace Reflector.Relay.Cluster;

/// <summary>
/// How one stream kind's envelopes look on its channel and in its status key: the header of
/// <see cref="ClusterSignal"/>, and the holder's message under the kind's own name (<c>i</c> for an invalidation,
/// <c>t</c> for a transcript's event), as relays of every version read them.
/// </summary>
internal sealed class ClusterEnvelopeFormat<TMessage>
    where TMessage : class
{
    private readonly JsonSerializerOptions _options;

    public ClusterEnvelopeFormat(string messageName)
    {
        MessageName = messageName;
        var resolver = new DefaultJsonTypeInfoResolver();
        resolver.Modifiers.Add(info =>
        {
            if (info.Type != typeof(ClusterEnvelope<TMessage>))
            {
                return;
            }

            foreach (var property in info.Properties)
            {
                if (property.AttributeProvider is PropertyInfo { Name: nameof(ClusterEnvelope<TMessage>.Message) })
                {
                    property.Name = messageName;
                }
            }
        });
        _options = new JsonSerializerOptions(JsonSerializerDefaults.Web) { TypeInfoResolver = resolver };
    }

    /// <summary>The message's property name on the wire.</summary>
    public string MessageName { get; }

    public string Serialize(ClusterEnvelope<TMessage> envelope) => JsonSerializer.Serialize(envelope, _options);

    /// <summary>Reads an envelope, or says why what came is not one (a foreign publisher, a newer relay's kind).</summary>
    public bool TryParse(string? json, [NotNullWhen(true)] out ClusterEnvelope<TMessage>? envelope, [NotNullWhen(false)] out string? error)
    {
        envelope = null;
        if (string.IsNullOrEmpty(json))
        {
            error = "empty";
            return false;
        }

        try
        {
            envelope = JsonSerializer.Deserialize<ClusterEnvelope<TMessage>>(json, _options);
        }
        catch (JsonException exception)
        {
            error = exception.Message;
            return false;
        }

        if (envelope?.Holder is null)
        {
            envelope = null;
            error = "no holder";
            return false;
        }

        error = null;
        return true;
    }
}

/// <summary>The envelope format of each stream kind.</summary>
internal static class ClusterEnvelopeFormats
{
    public static ClusterEnvelopeFormat<InvalidateMessage> UserEvents { get; } = new("i");

    public static ClusterEnvelopeFormat<TranscriptEventMessage> TranscriptEvents { get; } = new("t");
}
