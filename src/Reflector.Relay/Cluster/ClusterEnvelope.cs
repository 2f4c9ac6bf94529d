using System.Text.Json;
using System.Text.Json.Serialization;
using Reflector.Relay.Events;

namespace Reflector.Relay.Cluster;

/// <summary>
/// One message on a stream's channel. <see cref="Epoch"/> is the holder's claim: a relay that lost its claim (it was
/// paused, or cut off) may still publish for a moment, and receivers drop what comes from an older epoch than one
/// they have heard. <see cref="Sequence"/> orders the holder's messages within its epoch.
/// </summary>
internal sealed record ClusterEnvelope(
    [property: JsonPropertyName("n")] string Holder,
    [property: JsonPropertyName("e")] long Epoch,
    [property: JsonPropertyName("q")] long Sequence,
    [property: JsonPropertyName("k")] ClusterMessageKind Kind,
    [property: JsonPropertyName("i"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] InvalidateMessage? Invalidate = null,
    [property: JsonPropertyName("s"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] UpstreamStatus? Status = null,
    [property: JsonPropertyName("t"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] TranscriptEventMessage? Transcript = null)
{
    private static readonly JsonSerializerOptions Options = new(JsonSerializerDefaults.Web);

    public string ToJson() => JsonSerializer.Serialize(this, Options);

    /// <returns><see langword="null"/> for anything that is not an envelope: a foreign publisher on the channel.</returns>
    public static ClusterEnvelope? Parse(string? json)
    {
        if (string.IsNullOrEmpty(json))
        {
            return null;
        }

        try
        {
            return JsonSerializer.Deserialize<ClusterEnvelope>(json, Options);
        }
        catch (JsonException)
        {
            return null;
        }
    }
}

[JsonConverter(typeof(JsonStringEnumConverter<ClusterMessageKind>))]
internal enum ClusterMessageKind
{
    /// <summary>A message from the holder's socket: an invalidation, or a transcript's event.</summary>
    [JsonStringEnumMemberName("invalidate")] Invalidate,

    /// <summary>The holder's socket changed state.</summary>
    [JsonStringEnumMemberName("status")] Status,

    /// <summary>A relay's connections of the user came or went.</summary>
    [JsonStringEnumMemberName("interest")] Interest,

    /// <summary>The holder let go: a relay with connections of the user may take the socket now.</summary>
    [JsonStringEnumMemberName("released")] Released,

    /// <summary>
    /// A claim checking that its own queue hears the channel: only the claim that sent it acts on it (its number in
    /// <see cref="ClusterEnvelope.Sequence"/>); relays of older versions fail to parse it and drop it.
    /// </summary>
    [JsonStringEnumMemberName("probe")] Probe,
}
