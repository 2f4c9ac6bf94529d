namespace Reflector.Relay.Bench.Clients;

/// <summary>What a tab speaks: Reflector's own event frames (direct, yarp) or SignalR to the relay's hub.</summary>
internal enum TabProtocol
{
    ReflectorEvents,
    SignalRJson,
    SignalRMessagePack,
}

internal static class TabProtocolExtensions
{
    public static bool IsRelay(this TabProtocol protocol) => protocol != TabProtocol.ReflectorEvents;
}
