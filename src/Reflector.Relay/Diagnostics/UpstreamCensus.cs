using System.Diagnostics.Metrics;
using Reflector.Relay.Events;

namespace Reflector.Relay.Diagnostics;

/// <summary>A consistent count of the upstream registry, taken under its lock.</summary>
internal readonly record struct UpstreamCensus(
    int Connections,
    int Users,
    int OpenSockets,
    int Connecting,
    int Connected,
    int Reconnecting,
    int Unauthorized)
{
    public Measurement<int>[] ByState() =>
    [
        new(Connecting, new KeyValuePair<string, object?>("state", "connecting")),
        new(Connected, new KeyValuePair<string, object?>("state", "connected")),
        new(Reconnecting, new KeyValuePair<string, object?>("state", "reconnecting")),
        new(Unauthorized, new KeyValuePair<string, object?>("state", "unauthorized")),
    ];

    public static UpstreamCensus Add(UpstreamCensus census, int connections, bool openSocket, UpstreamState state) =>
        census with
        {
            Connections = census.Connections + connections,
            Users = census.Users + (connections > 0 ? 1 : 0),
            OpenSockets = census.OpenSockets + (openSocket ? 1 : 0),
            Connecting = census.Connecting + (state == UpstreamState.Connecting ? 1 : 0),
            Connected = census.Connected + (state == UpstreamState.Connected ? 1 : 0),
            Reconnecting = census.Reconnecting + (state == UpstreamState.Reconnecting ? 1 : 0),
            Unauthorized = census.Unauthorized + (state == UpstreamState.Unauthorized ? 1 : 0),
        };
}
