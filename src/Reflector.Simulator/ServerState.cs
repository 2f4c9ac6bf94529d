namespace Reflector.Simulator;

// What the simulated API as a whole is doing, shared by both kinds of socket because Reflector serves them
// from one process: an outage or a shutdown refuses every new handshake, refusal mode refuses every token.
// A hub reads Unavailable under its own lock while registering, and a caller sets the flag before it aborts
// the hubs' sockets, so an upgrade in flight is either aborted with the others or refused.
internal sealed class ServerState
{
    private volatile bool _refuseAll;
    private volatile bool _outage;
    private volatile bool _shutDown;

    public bool RefuseAll
    {
        get => _refuseAll;
        set => _refuseAll = value;
    }

    public bool Outage => _outage;

    public bool Unavailable => _outage || _shutDown;

    public void BeginOutage() => _outage = true;

    public void EndOutage() => _outage = false;

    // For good: a simulator being disposed never serves again.
    public void ShutDown() => _shutDown = true;
}
