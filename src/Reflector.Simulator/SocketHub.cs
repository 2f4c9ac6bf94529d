using System.Net.WebSockets;

namespace Reflector.Simulator;

// The per-user registry Reflector keeps in its WebSocket manager, plus the counters tests assert on.
// One lock guards everything: the sections are tiny and sends always happen outside it.
internal sealed class SocketHub
{
    private readonly Lock _gate = new();
    private readonly Dictionary<string, List<UserSocket>> _open = new(StringComparer.Ordinal);
    private readonly Dictionary<string, int> _handshakes = new(StringComparer.Ordinal);
    private readonly List<WebSocketCloseStatus?> _closeStatuses = [];
    private readonly ChangeSignal _changed = new();
    private int _totalHandshakes;
    private int _refusedHandshakes;
    private int _unavailableHandshakes;
    private bool _outage;
    private bool _shutDown;
    private volatile bool _refuseAll;

    public bool RefuseAll
    {
        get => _refuseAll;
        set => _refuseAll = value;
    }

    public bool Outage
    {
        get
        {
            lock (_gate)
            {
                return _outage;
            }
        }
    }

    public bool Unavailable
    {
        get
        {
            lock (_gate)
            {
                return _outage || _shutDown;
            }
        }
    }

    public int TotalHandshakes
    {
        get
        {
            lock (_gate)
            {
                return _totalHandshakes;
            }
        }
    }

    public int RefusedHandshakes
    {
        get
        {
            lock (_gate)
            {
                return _refusedHandshakes;
            }
        }
    }

    public int UnavailableHandshakes
    {
        get
        {
            lock (_gate)
            {
                return _unavailableHandshakes;
            }
        }
    }

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

    public int Handshakes(string userId)
    {
        lock (_gate)
        {
            return _handshakes.GetValueOrDefault(userId);
        }
    }

    public int OpenSockets(string userId)
    {
        lock (_gate)
        {
            return _open.TryGetValue(userId, out var list) ? list.Count : 0;
        }
    }

    public Dictionary<string, int> OpenSocketsByUser()
    {
        lock (_gate)
        {
            return _open.ToDictionary(pair => pair.Key, pair => pair.Value.Count, StringComparer.Ordinal);
        }
    }

    public void CountRefused()
    {
        lock (_gate)
        {
            _refusedHandshakes++;
        }

        Signal();
    }

    public void CountUnavailable()
    {
        lock (_gate)
        {
            _unavailableHandshakes++;
        }

        Signal();
    }

    // Registers the socket and counts the handshake in one step, so a test that saw the count can emit
    // and reach the socket. Returns false when an outage or shutdown began while the upgrade was under way.
    private int _handshakesInFlight;
    private int _peakHandshakesInFlight;

    // Lets a test make handshakes slow enough to overlap, as a loaded API would.
    public TimeSpan HandshakeDelay { get; set; }

    public int PeakHandshakesInFlight => Volatile.Read(ref _peakHandshakesInFlight);

    public void ResetPeakHandshakesInFlight() => Volatile.Write(ref _peakHandshakesInFlight, Volatile.Read(ref _handshakesInFlight));

    public void HandshakeStarted()
    {
        var inFlight = Interlocked.Increment(ref _handshakesInFlight);
        int peak;
        while (inFlight > (peak = Volatile.Read(ref _peakHandshakesInFlight)) &&
               Interlocked.CompareExchange(ref _peakHandshakesInFlight, inFlight, peak) != peak)
        {
        }
    }

    public void HandshakeEnded() => Interlocked.Decrement(ref _handshakesInFlight);

    public bool TryRegister(UserSocket socket)
    {
        lock (_gate)
        {
            if (_outage || _shutDown)
            {
                return false;
            }

            if (!_open.TryGetValue(socket.UserId, out var list))
            {
                list = [];
                _open[socket.UserId] = list;
            }

            list.Add(socket);
            _handshakes[socket.UserId] = _handshakes.GetValueOrDefault(socket.UserId) + 1;
            _totalHandshakes++;
        }

        Signal();
        return true;
    }

    // Removes the socket if it is still registered; an aborted socket was already removed by the abort.
    public void Unregister(UserSocket socket, WebSocketCloseStatus? closeStatus)
    {
        lock (_gate)
        {
            if (!RemoveLocked(socket))
            {
                return;
            }

            _closeStatuses.Add(closeStatus);
        }

        Signal();
    }

    public UserSocket[] SocketsOf(string userId)
    {
        lock (_gate)
        {
            return _open.TryGetValue(userId, out var list) ? [.. list] : [];
        }
    }

    // Reaches every socket the user has open right now; a user with none simply misses the frame.
    public async Task<int> SendAsync(string userId, ReadOnlyMemory<byte> payload, WebSocketMessageType type, CancellationToken cancellationToken, int? fragmentSize = null)
    {
        var sockets = SocketsOf(userId);
        if (sockets.Length == 0)
        {
            return 0;
        }

        var results = await Task.WhenAll(sockets.Select(socket => socket.TrySendAsync(payload, type, cancellationToken, fragmentSize))).ConfigureAwait(false);
        return results.Count(reached => reached);
    }

    public async Task<int> CloseAllAsync(WebSocketCloseStatus status, CancellationToken cancellationToken)
    {
        UserSocket[] sockets;
        lock (_gate)
        {
            sockets = [.. _open.Values.SelectMany(list => list)];
        }

        var results = await Task.WhenAll(sockets.Select(socket => socket.TryCloseAsync(status, cancellationToken))).ConfigureAwait(false);
        return results.Count(closed => closed);
    }

    // Bounded, because a request stuck in the server must not hang a test that only wanted a drop.
    public static async Task WaitUntilEndedAsync(IEnumerable<UserSocket> sockets)
    {
        try
        {
            await Task.WhenAll(sockets.Select(socket => socket.Ended)).WaitAsync(TimeSpan.FromSeconds(5)).ConfigureAwait(false);
        }
        catch (TimeoutException)
        {
            // Counts were already updated when the sockets were aborted.
        }
    }

    // Aborts every open socket; they leave the registry at once so counts are exact when this returns.
    public UserSocket[] AbortAll() => AbortAllAndSet(outage: null, shutDown: false);

    public UserSocket[] BeginOutage() => AbortAllAndSet(outage: true, shutDown: false);

    public void EndOutage()
    {
        lock (_gate)
        {
            _outage = false;
        }

        Signal();
    }

    public UserSocket[] ShutDown() => AbortAllAndSet(outage: null, shutDown: true);

    public Task WaitForHandshakesAsync(string userId, int count, TimeSpan timeout) =>
        _changed.WaitUntilAsync(() => Handshakes(userId) >= count, () => $"{Handshakes(userId)} handshakes for the user, expected at least {count}", timeout);

    public Task WaitForOpenSocketsAsync(string userId, int count, TimeSpan timeout) =>
        _changed.WaitUntilAsync(() => OpenSockets(userId) == count, () => $"{OpenSockets(userId)} open sockets for the user, expected {count}", timeout);

    private UserSocket[] AbortAllAndSet(bool? outage, bool shutDown)
    {
        UserSocket[] victims;
        lock (_gate)
        {
            _outage = outage ?? _outage;
            _shutDown |= shutDown;
            victims = [.. _open.Values.SelectMany(list => list)];
            _open.Clear();
            foreach (var _ in victims)
            {
                _closeStatuses.Add(null);
            }
        }

        foreach (var socket in victims)
        {
            socket.Abort();
        }

        Signal();
        return victims;
    }

    private bool RemoveLocked(UserSocket socket)
    {
        if (!_open.TryGetValue(socket.UserId, out var list) || !list.Remove(socket))
        {
            return false;
        }

        if (list.Count == 0)
        {
            _open.Remove(socket.UserId);
        }

        return true;
    }

    private void Signal() => _changed.Signal();
}
