using System.Text.Json.Serialization;

namespace Reflector.Relay.Events;

/// <summary>What a browser receives through <c>upstreamStatus</c>: the state of its user's upstream socket.</summary>
public sealed record UpstreamStatus(
    UpstreamState State,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] int? RetryInMs = null)
{
    public static UpstreamStatus Connecting { get; } = new(UpstreamState.Connecting);

    public static UpstreamStatus Connected { get; } = new(UpstreamState.Connected);

    public static UpstreamStatus Unauthorized { get; } = new(UpstreamState.Unauthorized);

    public static UpstreamStatus Reconnecting(TimeSpan? retryIn = null) =>
        new(UpstreamState.Reconnecting, retryIn is { } delay ? (int)Math.Ceiling(delay.TotalMilliseconds) : null);
}

[JsonConverter(typeof(JsonStringEnumConverter<UpstreamState>))]
public enum UpstreamState
{
    [JsonStringEnumMemberName("connecting")] Connecting,
    [JsonStringEnumMemberName("connected")] Connected,
    [JsonStringEnumMemberName("reconnecting")] Reconnecting,
    /// <summary>The API refused the user's token; a fresh token is needed.</summary>
    [JsonStringEnumMemberName("unauthorized")] Unauthorized,
}
