using System.Net.WebSockets;

namespace Reflector.Simulator;

// The open sockets of one kind, by stream, as Reflector's WebSocket manager keeps them, plus the counters
// tests assert on. One lock guards the registry; sends are queued under it (so queue order is emit order,
// and a new socket's replay comes before any event emitted after it) and happen outside it.
internal sealed class SocketHub<TKind>(TKind kind, ServerState server)
    where TKind : IEventSocketKind
{
    private readonly Lock _gate = new();
    private readonly Dictionary<string, List<EventSocket>> _open = new(StringComparer.Ordinal);
    private readonly List<WebSocketCloseStatus?> _closeStatuses = [];
    private readonly ChangeSignal _changed = new();

    public TKind Kind => kind;

    public HandshakeStats Handshakes { get; } = new();

    public int TotalOpenSockets
    {
        get
        {
            lock (_gate)
            {
                return _open.Values.Sum(list => list.Count);
            }
        }
    }

    // How each socket ended, in order: the client's close code, or null for a drop.
    public IReadOnlyList<WebSocketCloseStatus?> ClientCloseStatuses
    {
        get
        {
            lock (_gate)
            {
                return [.. _closeStatuses];
            }
        }
    }

    public int OpenSockets(string streamId)
    {
        lock (_gate)
        {
            return _open.TryGetValue(streamId, out var list) ? list.Count : 0;
        }
    }

    // user null counts the anonymous sockets.
    public int OpenSockets(string streamId, string? user)
    {
        lock (_gate)
        {
            return _open.TryGetValue(streamId, out var list)
                ? list.Count(socket => string.Equals(socket.User, user, StringComparison.Ordinal))
                : 0;
        }
    }

    public Dictionary<string, int> OpenSocketsByStream()
    {
        lock (_gate)
        {
            return _open.ToDictionary(pair => pair.Key, pair => pair.Value.Count, StringComparer.Ordinal);
        }
    }

    public (Dictionary<string, int> SignedIn, int Anonymous) OpenSocketsByUser(string streamId)
    {
        lock (_gate)
        {
            var signedIn = new Dictionary<string, int>(StringComparer.Ordinal);
            var anonymous = 0;
            foreach (var socket in _open.GetValueOrDefault(streamId) ?? [])
            {
                if (socket.User is { } user)
                {
                    signedIn[user] = signedIn.GetValueOrDefault(user) + 1;
                }
                else
                {
                    anonymous++;
                }
            }

            return (signedIn, anonymous);
        }
    }

    public void CountRefused(string? streamId)
    {
        Handshakes.CountRefused(streamId);
        _changed.Signal();
    }

    public void CountUnavailable()
    {
        Handshakes.CountUnavailable();
        _changed.Signal();
    }

    // Queues the socket's replay, registers it and counts the handshake in one step, so a test that saw the
    // count can emit and know the socket gets it, after the replay. Returns false when an outage or shutdown
    // began while the upgrade was under way.
    public bool TryRegister(EventSocket socket)
    {
        lock (_gate)
        {
            if (server.Unavailable)
            {
                return false;
            }

            foreach (var frame in kind.Replay(socket.StreamId))
            {
                socket.TryEnqueue(OutgoingFrame.Text(frame), sent: null);
            }

            if (!_open.TryGetValue(socket.StreamId, out var list))
            {
                list = [];
                _open[socket.StreamId] = list;
            }

            list.Add(socket);
            Handshakes.CountAccepted(socket.StreamId);
        }

        _changed.Signal();
        return true;
    }

    // Removes the socket if it is still registered; an aborted socket was already removed by the abort.
    public void Unregister(EventSocket socket, WebSocketCloseStatus? closeStatus)
    {
        lock (_gate)
        {
            if (!_open.TryGetValue(socket.StreamId, out var list) || !list.Remove(socket))
            {
                return;
            }

            if (list.Count == 0)
            {
                _open.Remove(socket.StreamId);
            }

            _closeStatuses.Add(closeStatus);
        }

        _changed.Signal();
    }

    // Stores the event as the kind does and sends it to every socket open on the stream. Returns how many
    // sockets it reached, or null when there is no such stream.
    public Task<int?> PublishAsync(string streamId, string eventName, byte[] frame, CancellationToken cancellationToken) =>
        DeliverAsync(streamId, OutgoingFrame.Text(frame), eventName, cancellationToken);

    // Sends a frame as it is, stored nowhere: how a test sends what Reflector never would.
    public async Task<int> SendAsync(string streamId, OutgoingFrame frame, CancellationToken cancellationToken) =>
        await DeliverAsync(streamId, frame, eventNameToStore: null, cancellationToken).ConfigureAwait(false) ?? 0;

    // Starts a server-side close with the given code on every open socket; returns how many it closed.
    public async Task<int> CloseAllAsync(WebSocketCloseStatus status, CancellationToken cancellationToken)
    {
        EventSocket[] sockets;
        lock (_gate)
        {
            sockets = [.. _open.Values.SelectMany(list => list)];
        }

        var results = await Task.WhenAll(sockets.Select(socket => socket.TryCloseAsync(status, cancellationToken))).ConfigureAwait(false);
        return results.Count(closed => closed);
    }

    // Aborts the stream's sockets, as a network cut would; they leave the registry at once so counts are
    // exact when this returns.
    public EventSocket[] Abort(string streamId)
    {
        EventSocket[] victims;
        lock (_gate)
        {
            victims = _open.Remove(streamId, out var list) ? [.. list] : [];
            RecordDropsLocked(victims);
        }

        return AbortAndSignal(victims);
    }

    public EventSocket[] AbortAll()
    {
        EventSocket[] victims;
        lock (_gate)
        {
            victims = [.. _open.Values.SelectMany(list => list)];
            _open.Clear();
            RecordDropsLocked(victims);
        }

        return AbortAndSignal(victims);
    }

    public Task WaitForHandshakesAsync(string streamId, int count, TimeSpan timeout) =>
        _changed.WaitUntilAsync(
            () => Handshakes.Accepted(streamId) >= count,
            () => $"{Handshakes.Accepted(streamId)} {kind.Name} handshakes on {streamId}, expected at least {count}",
            timeout);

    public Task WaitForRefusedHandshakesAsync(string streamId, int count, TimeSpan timeout) =>
        _changed.WaitUntilAsync(
            () => Handshakes.Refused(streamId) >= count,
            () => $"{Handshakes.Refused(streamId)} refused {kind.Name} handshakes on {streamId}, expected at least {count}",
            timeout);

    public Task WaitForOpenSocketsAsync(string streamId, int count, TimeSpan timeout) =>
        _changed.WaitUntilAsync(
            () => OpenSockets(streamId) == count,
            () => $"{OpenSockets(streamId)} open {kind.Name} sockets on {streamId}, expected {count}",
            timeout);

    public Task WaitForOpenSocketsAsync(string streamId, string? user, int count, TimeSpan timeout) =>
        _changed.WaitUntilAsync(
            () => OpenSockets(streamId, user) == count,
            () => $"{OpenSockets(streamId, user)} open {kind.Name} sockets on {streamId} for {(user is null ? "anonymous clients" : "the user")}, expected {count}",
            timeout);

    // eventNameToStore null: sent as it is, stored nowhere.
    private async Task<int?> DeliverAsync(string streamId, OutgoingFrame frame, string? eventNameToStore, CancellationToken cancellationToken)
    {
        List<Task<bool>> sends = [];
        lock (_gate)
        {
            if (eventNameToStore is not null && !kind.TryStore(streamId, eventNameToStore, frame.Payload))
            {
                return null;
            }

            foreach (var socket in _open.GetValueOrDefault(streamId) ?? [])
            {
                var sent = new TaskCompletionSource<bool>(TaskCreationOptions.RunContinuationsAsynchronously);
                if (socket.TryEnqueue(frame, sent))
                {
                    sends.Add(sent.Task);
                }
            }
        }

        if (sends.Count == 0)
        {
            return 0;
        }

        var reached = await Task.WhenAll(sends).WaitAsync(cancellationToken).ConfigureAwait(false);
        return reached.Count(ok => ok);
    }

    // A drop has no close code: it is recorded as null, as the client never sent one.
    private void RecordDropsLocked(EventSocket[] victims)
    {
        foreach (var _ in victims)
        {
            _closeStatuses.Add(null);
        }
    }

    private EventSocket[] AbortAndSignal(EventSocket[] victims)
    {
        foreach (var socket in victims)
        {
            socket.Abort();
        }

        _changed.Signal();
        return victims;
    }
}
