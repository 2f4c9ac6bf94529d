using System.Text.Json;
using System.Text.Json.Serialization;
using Reflector.Relay.Events;

namespace Reflector.Relay.Cluster;

/// <summary>
/// What every message on a stream's channel says, and all that a signal (interest, released, probe) says.
/// <see cref="Epoch"/> is the holder's claim: a relay that lost its claim (it was paused, or cut off) may still
/// publish for a moment, and receivers drop what comes from an older epoch than one they have heard.
/// <see cref="Sequence"/> orders the holder's messages within its epoch.
/// </summary>
/// <remarks>Not sealed: <see cref="ClusterEnvelope{TMessage}"/> adds what the holder relays.</remarks>
internal record ClusterSignal(
    [property: JsonPropertyName("n")] string Holder,
    [property: JsonPropertyName("e")] long Epoch,
    [property: JsonPropertyName("q")] long Sequence,
    [property: JsonPropertyName("k")] ClusterMessageKind Kind)
{
    private static readonly JsonSerializerOptions Options = new(JsonSerializerDefaults.Web);

    /// <summary>The signal alone, without anything a derived envelope carries.</summary>
    public string ToJson() => JsonSerializer.Serialize<ClusterSignal>(this, Options);
}

/// <summary>
/// A message on the channel of a stream of <typeparamref name="TMessage"/>: the holder's message or its status.
/// Written and read by the stream kind's <see cref="ClusterEnvelopeFormat{TMessage}"/>, which names <see cref="Message"/>
/// on the wire; after the header, as relays have always written it.
/// </summary>
internal sealed record ClusterEnvelope<TMessage>(
    string Holder,
    long Epoch,
    long Sequence,
    ClusterMessageKind Kind,
    [property: JsonPropertyOrder(1), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] TMessage? Message = null,
    [property: JsonPropertyName("s"), JsonPropertyOrder(2), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] UpstreamStatus? Status = null)
    : ClusterSignal(Holder, Epoch, Sequence, Kind)
    where TMessage : class;

[JsonConverter(typeof(JsonStringEnumConverter<ClusterMessageKind>))]
internal enum ClusterMessageKind
{
    /// <summary>
    /// A message from the holder's socket: an invalidation, or a transcript's event. Named "invalidate" on the wire,
    /// as relays of older versions expect.
    /// </summary>
    [JsonStringEnumMemberName("invalidate")] Message,

    /// <summary>The holder's socket changed state.</summary>
    [JsonStringEnumMemberName("status")] Status,

    /// <summary>A relay's connections of the user came or went.</summary>
    [JsonStringEnumMemberName("interest")] Interest,

    /// <summary>The holder let go: a relay with connections of the user may take the socket now.</summary>
    [JsonStringEnumMemberName("released")] Released,

    /// <summary>
    /// A claim checking that its own queue hears the channel: only the claim that sent it acts on it (its number in
    /// <see cref="ClusterSignal.Sequence"/>); relays of older versions fail to parse it and drop it.
    /// </summary>
    [JsonStringEnumMemberName("probe")] Probe,
}
