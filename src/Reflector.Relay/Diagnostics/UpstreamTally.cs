using System.Diagnostics.Metrics;
using Reflector.Relay.Events;

namespace Reflector.Relay.Diagnostics;

/// <summary>
/// The counts of one set of upstream streams, kept as things change: a stream added or removed, a connection
/// counted or released, a socket opened or closed, a state told to the stream's clients. A scrape reads a few
/// integers; it never walks the users, and never waits for the lock that connects take. Each change is made where
/// the transition happens, under the lock that guards that transition, so the counts cannot drift; gauges read in
/// one scrape may be a transition apart from each other, never further.
/// </summary>
internal sealed class UpstreamTally
{
    private readonly int[] _byState = new int[Enum.GetValues<UpstreamState>().Length];
    private int _streams;
    private int _connections;
    private int _users;
    private int _openSockets;

    /// <summary>Streams in the set (connected, connecting, or lingering).</summary>
    public int Streams => Volatile.Read(ref _streams);

    /// <summary>Connections counted against the set's streams.</summary>
    public int Connections => Volatile.Read(ref _connections);

    /// <summary>Streams with at least one connection (for the users' set: users with a live connection).</summary>
    public int Users => Volatile.Read(ref _users);

    /// <summary>Streams of the set whose socket is open.</summary>
    public int OpenSockets => Volatile.Read(ref _openSockets);

    /// <summary>Streams of the set whose clients were last told <paramref name="state"/>.</summary>
    public int InState(UpstreamState state) => Volatile.Read(ref _byState[(int)state]);

    public Measurement<int>[] ByState() =>
    [
        new(InState(UpstreamState.Connecting), new KeyValuePair<string, object?>("state", "connecting")),
        new(InState(UpstreamState.Connected), new KeyValuePair<string, object?>("state", "connected")),
        new(InState(UpstreamState.Reconnecting), new KeyValuePair<string, object?>("state", "reconnecting")),
        new(InState(UpstreamState.Unauthorized), new KeyValuePair<string, object?>("state", "unauthorized")),
    ];

    public void StreamAdded() => Interlocked.Increment(ref _streams);

    public void StreamRemoved() => Interlocked.Decrement(ref _streams);

    /// <summary>A stream's connections went from <paramref name="before"/> to <paramref name="after"/>.</summary>
    public void ConnectionsChanged(int before, int after)
    {
        if (after != before)
        {
            Interlocked.Add(ref _connections, after - before);
        }

        if ((before > 0) != (after > 0))
        {
            Interlocked.Add(ref _users, after > 0 ? 1 : -1);
        }
    }

    public void SocketOpened() => Interlocked.Increment(ref _openSockets);

    public void SocketClosed() => Interlocked.Decrement(ref _openSockets);

    public void StateEntered(UpstreamState state) => Interlocked.Increment(ref _byState[(int)state]);

    public void StateLeft(UpstreamState state) => Interlocked.Decrement(ref _byState[(int)state]);
}
