namespace Reflector.Simulator;

// The per-transcript subscribers of Reflector's WebSocket manager, plus the counters tests assert on.
// Storing an event and queueing it to the open sockets happen under one lock, as do reading the history
// and subscribing, so every socket sees its replay and then the live events, none lost and none twice.
// Outages, shutdown and refusal mode are the user-events hub's: the simulated API is one server.
internal sealed class TranscriptSocketHub(TranscriptStore store, SocketHub users)
{
    private readonly Lock _gate = new();
    private readonly Dictionary<string, List<TranscriptSocket>> _open = new(StringComparer.Ordinal);
    private readonly Dictionary<string, int> _handshakes = new(StringComparer.Ordinal);
    private readonly Dictionary<string, int> _refused = new(StringComparer.Ordinal);
    private readonly ChangeSignal _changed = new();
    private int _totalHandshakes;
    private int _totalRefused;
    private int _unavailable;

    public bool RefuseAll => users.RefuseAll;

    public bool Unavailable => users.Unavailable;

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

    public int TotalRefusedHandshakes
    {
        get
        {
            lock (_gate)
            {
                return _totalRefused;
            }
        }
    }

    public int UnavailableHandshakes
    {
        get
        {
            lock (_gate)
            {
                return _unavailable;
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

    public int Handshakes(string transcriptId)
    {
        lock (_gate)
        {
            return _handshakes.GetValueOrDefault(transcriptId);
        }
    }

    public int RefusedHandshakes(string transcriptId)
    {
        lock (_gate)
        {
            return _refused.GetValueOrDefault(transcriptId);
        }
    }

    public int OpenSockets(string transcriptId)
    {
        lock (_gate)
        {
            return _open.TryGetValue(transcriptId, out var list) ? list.Count : 0;
        }
    }

    // user null counts the anonymous sockets.
    public int OpenSockets(string transcriptId, string? user)
    {
        lock (_gate)
        {
            return _open.TryGetValue(transcriptId, out var list)
                ? list.Count(socket => string.Equals(socket.User, user, StringComparison.Ordinal))
                : 0;
        }
    }

    public (Dictionary<string, int> SignedIn, int Anonymous) OpenSocketsByUser(string transcriptId)
    {
        lock (_gate)
        {
            var signedIn = new Dictionary<string, int>(StringComparer.Ordinal);
            var anonymous = 0;
            foreach (var socket in _open.GetValueOrDefault(transcriptId) ?? [])
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

    public void CountRefused(string transcriptId)
    {
        lock (_gate)
        {
            _refused[transcriptId] = _refused.GetValueOrDefault(transcriptId) + 1;
            _totalRefused++;
        }

        _changed.Signal();
    }

    public void CountUnavailable()
    {
        lock (_gate)
        {
            _unavailable++;
        }

        _changed.Signal();
    }

    // Subscribes the socket, queues its replay and counts the handshake in one step, so a test that saw
    // the count can emit and know the socket gets it after the replay. Returns false when an outage or
    // shutdown began while the upgrade was under way.
    public bool TryRegister(TranscriptSocket socket)
    {
        lock (_gate)
        {
            if (users.Unavailable)
            {
                return false;
            }

            foreach (var frame in store.History(socket.TranscriptId))
            {
                socket.TryEnqueue(frame, sent: null);
            }

            if (!_open.TryGetValue(socket.TranscriptId, out var list))
            {
                list = [];
                _open[socket.TranscriptId] = list;
            }

            list.Add(socket);
            _handshakes[socket.TranscriptId] = _handshakes.GetValueOrDefault(socket.TranscriptId) + 1;
            _totalHandshakes++;
        }

        _changed.Signal();
        return true;
    }

    // Removes the socket if it is still registered; an aborted socket was already removed by the abort.
    public void Unregister(TranscriptSocket socket)
    {
        lock (_gate)
        {
            if (!_open.TryGetValue(socket.TranscriptId, out var list) || !list.Remove(socket))
            {
                return;
            }

            if (list.Count == 0)
            {
                _open.Remove(socket.TranscriptId);
            }
        }

        _changed.Signal();
    }

    // Stores the event (unless live-only) and sends it to every socket open on the transcript. Returns how
    // many sockets it reached, or null when there is no such transcript.
    public async Task<int?> PublishAsync(string transcriptId, string eventName, byte[] frame, CancellationToken cancellationToken)
    {
        List<Task<bool>> sends = [];
        lock (_gate)
        {
            if (!store.TryAppend(transcriptId, eventName, frame))
            {
                return null;
            }

            foreach (var socket in _open.GetValueOrDefault(transcriptId) ?? [])
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

    // Aborts the transcript's sockets, as a network cut would; they leave the registry at once so counts
    // are exact when this returns.
    public TranscriptSocket[] Abort(string transcriptId)
    {
        TranscriptSocket[] victims;
        lock (_gate)
        {
            victims = _open.Remove(transcriptId, out var list) ? [.. list] : [];
        }

        return AbortAndSignal(victims);
    }

    public TranscriptSocket[] AbortAll()
    {
        TranscriptSocket[] victims;
        lock (_gate)
        {
            victims = [.. _open.Values.SelectMany(list => list)];
            _open.Clear();
        }

        return AbortAndSignal(victims);
    }

    // Bounded, because a request stuck in the server must not hang a test that only wanted a drop.
    public static async Task WaitUntilEndedAsync(IEnumerable<TranscriptSocket> sockets)
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

    public Task WaitForHandshakesAsync(string transcriptId, int count, TimeSpan timeout) =>
        _changed.WaitUntilAsync(
            () => Handshakes(transcriptId) >= count,
            () => $"{Handshakes(transcriptId)} handshakes for transcript {transcriptId}, expected at least {count}",
            timeout);

    public Task WaitForRefusedHandshakesAsync(string transcriptId, int count, TimeSpan timeout) =>
        _changed.WaitUntilAsync(
            () => RefusedHandshakes(transcriptId) >= count,
            () => $"{RefusedHandshakes(transcriptId)} refused handshakes for transcript {transcriptId}, expected at least {count}",
            timeout);

    public Task WaitForOpenSocketsAsync(string transcriptId, int count, TimeSpan timeout) =>
        _changed.WaitUntilAsync(
            () => OpenSockets(transcriptId) == count,
            () => $"{OpenSockets(transcriptId)} open sockets on transcript {transcriptId}, expected {count}",
            timeout);

    public Task WaitForOpenSocketsAsync(string transcriptId, string? user, int count, TimeSpan timeout) =>
        _changed.WaitUntilAsync(
            () => OpenSockets(transcriptId, user) == count,
            () => $"{OpenSockets(transcriptId, user)} open sockets on transcript {transcriptId} for {(user is null ? "anonymous clients" : "the user")}, expected {count}",
            timeout);

    private TranscriptSocket[] AbortAndSignal(TranscriptSocket[] victims)
    {
        foreach (var socket in victims)
        {
            socket.Abort();
        }

        _changed.Signal();
        return victims;
    }
}
