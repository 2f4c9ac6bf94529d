using System.Buffers.Text;
using Reflector.Relay.Bench.Clients;

namespace Reflector.Relay.Bench.Soak;

/// <summary>
/// Everything the soak needs to judge delivery afterwards: each tab's life and what its user's upstream
/// was doing (as the tab was told), each load chunk the simulated Reflector emitted, each drop the bench
/// asked for, and every event each tab received. All times are microseconds since the Unix epoch, the
/// clock the simulator stamps events with (same machine, same clock).
/// </summary>
internal sealed class SoakLedger : ITabListener
{
    private readonly Lock _lock = new();
    private readonly Dictionary<int, TabLife> _tabs = [];
    private readonly List<LoadChunk> _chunks = [];
    private readonly List<(double From, double To)> _drops = [];
    private readonly List<(double From, double To)> _outages = [];
    private readonly string[] _users;
    private long _unreadable;
    private long _foreign;

    /// <param name="users">The population, in the order every load chunk is given: event n goes to users[n % count].</param>
    public SoakLedger(string[] users)
    {
        _users = users;
    }

    public static double Now() => (DateTimeOffset.UtcNow - DateTimeOffset.UnixEpoch).Ticks / 10.0;

    public static string ChunkRunId(int chunk) => $"s{chunk}";

    public long Deliveries
    {
        get
        {
            lock (_lock)
            {
                return _tabs.Values.Sum(tab => tab.Deliveries);
            }
        }
    }

    /// <summary>Before connecting: the status the relay sends right after the handshake must find the tab.</summary>
    public void TabConnecting(int tab, int user)
    {
        lock (_lock)
        {
            _tabs[tab] = new TabLife(user);
        }
    }

    /// <summary>The handshake is done: events from now on are owed to the tab (once its upstream is up).</summary>
    public void TabOpened(int tab) => Life(tab)?.Opened(Now());

    public void TabFailed(int tab)
    {
        lock (_lock)
        {
            _tabs.Remove(tab);
        }
    }

    /// <summary>The bench is about to close <paramref name="tab"/>: from now on it owes the tab nothing.</summary>
    public void TabClosing(int tab) => Life(tab)?.Ended(Now(), byServer: false);

    public void ChunkStarted(int chunk, long capacity)
    {
        lock (_lock)
        {
            while (_chunks.Count <= chunk)
            {
                _chunks.Add(null!);
            }

            _chunks[chunk] = new LoadChunk(Now(), capacity);
        }
    }

    public void ChunkEnded(int chunk, long sent)
    {
        lock (_lock)
        {
            _chunks[chunk].Ended(Now(), sent);
        }
    }

    /// <summary>A drop is asked for: until <see cref="DropEnded"/>, every upstream socket may be aborted at any moment.</summary>
    public void DropStarted()
    {
        lock (_lock)
        {
            _drops.Add((Now(), double.PositiveInfinity));
        }
    }

    public void DropEnded()
    {
        lock (_lock)
        {
            _drops[^1] = (_drops[^1].From, Now());
        }
    }

    /// <summary>
    /// An outage begins (a relay killed, Redis restarted): until <see cref="OutageEnded"/>, which the bench calls once
    /// every tab is back and every user's upstream is open again, any user's upstream may be down without its tabs
    /// being told in time. Judged as a drop is; a tab the server closes meanwhile is not counted against it.
    /// </summary>
    public void OutageStarted()
    {
        lock (_lock)
        {
            _outages.Add((Now(), double.PositiveInfinity));
        }
    }

    public void OutageEnded()
    {
        lock (_lock)
        {
            _outages[^1] = (_outages[^1].From, Now());
        }
    }

    public int Drops
    {
        get
        {
            lock (_lock)
            {
                return _drops.Count;
            }
        }
    }

    public void Record(int tab, ReadOnlySpan<byte> id, double sentAtMicros)
    {
        var receivedAt = Now();
        if (!TryParseId(id, out var chunk, out var sequence))
        {
            return; // Not a soak event.
        }

        LoadChunk? load;
        lock (_lock)
        {
            load = chunk < _chunks.Count ? _chunks[chunk] : null;
        }

        var life = Life(tab);
        if (load is null || life is null)
        {
            return;
        }

        if (sequence >= load.Capacity || _users.Length == 0 || sequence % _users.Length != life.User)
        {
            Interlocked.Increment(ref _foreign);
            return;
        }

        load.SentAt[sequence] = sentAtMicros;
        life.Received(Key(chunk, sequence), (receivedAt - sentAtMicros) / 1000.0);
    }

    public void Unreadable() => Interlocked.Increment(ref _unreadable);

    public void UpstreamStatus(int tab, ReadOnlySpan<byte> state) => Life(tab)?.Status(state, Now());

    public void Resync(int tab) => Life(tab)?.Resync(Now());

    public void Closed(int tab) => Life(tab)?.Ended(Now(), byServer: true);

    public void Reopened(int tab) => Life(tab)?.Reopened(Now());

    private TabLife? Life(int tab)
    {
        lock (_lock)
        {
            return _tabs.GetValueOrDefault(tab);
        }
    }

    /// <summary>
    /// Judges every event each tab's user was sent while the tab was open. Call once every tab is closed
    /// and the last deliveries have had time to arrive.
    /// </summary>
    /// <remarks>
    /// <para>An event missing from a tab counts as <b>lost while up</b> only when the upstream was certainly up for
    /// it: the tab had been told <c>connected</c> (and, after a reconnect, had its <c>resync</c>) before the
    /// earliest moment the event can have been sent; the tab heard of no other state until <paramref name="deadline"/>
    /// after the latest moment it can have been sent; and no drop was asked for between <paramref name="margin"/>
    /// before the one and the deadline after the other. The margin covers an event written to the socket just before
    /// the drop and still in flight when the socket was aborted; the deadline covers a socket that failed on its own,
    /// which the tab hears of (<c>reconnecting</c>) within moments. Anything else missing is <b>lost in a gap</b>:
    /// allowed, since delivery from Reflector is at most once and the <c>resync</c> covers it.</para>
    /// <para>An event nobody received carries no timestamp: its send time is bounded by its neighbours in the same
    /// chunk (the simulator stamps events in sequence order) and by the chunk's request and answer. A tab counts an
    /// event at all only if it was open from before the earliest send time to past the deadline.</para>
    /// </remarks>
    public DeliveryVerdict Evaluate(TimeSpan margin, TimeSpan deadline)
    {
        var marginMicros = margin.TotalMicroseconds;
        var deadlineMicros = deadline.TotalMicroseconds;
        TabLife[] tabs;
        LoadChunk[] chunks;
        (double From, double To)[] drops;
        (double From, double To)[] outages;
        lock (_lock)
        {
            tabs = [.. _tabs.Values];
            chunks = [.. _chunks];
            drops = [.. _drops, .. _outages];
            outages = [.. _outages];
        }

        long due = 0, delivered = 0, dueWhileUp = 0, deliveredWhileUp = 0, lostWhileUp = 0, lostInGap = 0, sent = 0;
        var examples = new List<string>();
        foreach (var (chunk, load) in chunks.Index())
        {
            if (load is not { IsEnded: true })
            {
                continue;
            }

            sent += load.Sent;
            var (earliest, latest) = load.SendTimeBounds();
            foreach (var tab in tabs)
            {
                for (long sequence = tab.User; sequence < load.Sent && sequence < load.Capacity; sequence += _users.Length)
                {
                    var from = earliest[sequence];
                    var to = latest[sequence];
                    if (!tab.OpenThroughout(from, to + deadlineMicros))
                    {
                        continue;
                    }

                    due++;
                    var received = tab.HasReceived(Key(chunk, sequence));
                    delivered += received ? 1 : 0;
                    var up = tab.UpThroughout(from, to + deadlineMicros) &&
                        !drops.Any(drop => drop.From <= to + deadlineMicros && drop.To >= from - marginMicros);
                    if (up)
                    {
                        dueWhileUp++;
                        deliveredWhileUp += received ? 1 : 0;
                    }

                    if (received)
                    {
                        continue;
                    }

                    if (up)
                    {
                        lostWhileUp++;
                        if (examples.Count < 10)
                        {
                            examples.Add(FormattableString.Invariant(
                                $"{ChunkRunId(chunk)}:{sequence} to {_users[tab.User]}: sent between {Clock(from)} and {Clock(to)}, tab up since {Clock(tab.UpSinceBefore(from))}"));
                        }
                    }
                    else
                    {
                        lostInGap++;
                    }
                }
            }
        }

        var latencies = tabs.SelectMany(tab => tab.Latencies).ToArray();
        Array.Sort(latencies);
        return new DeliveryVerdict(
            sent,
            due,
            delivered,
            dueWhileUp,
            deliveredWhileUp,
            lostWhileUp,
            lostInGap,
            tabs.Sum(tab => tab.Duplicates),
            Interlocked.Read(ref _foreign),
            Interlocked.Read(ref _unreadable),
            tabs.Length,
            tabs.Count(tab => tab.ServerClosesAt.Any(at => !outages.Any(outage => outage.From - marginMicros <= at && at <= outage.To + deadlineMicros))),
            tabs.Sum(tab => tab.ServerClosesAt.Count),
            tabs.Sum(tab => tab.Reconnectings),
            tabs.Sum(tab => tab.Resyncs),
            Percentile(latencies, 0.50),
            Percentile(latencies, 0.99),
            latencies.Length > 0 ? latencies[^1] : double.NaN,
            examples);
    }

    private static double Percentile(float[] sorted, double quantile) =>
        sorted.Length == 0 ? double.NaN : sorted[Math.Clamp((int)Math.Ceiling(quantile * sorted.Length) - 1, 0, sorted.Length - 1)];

    private static string Clock(double micros) =>
        double.IsFinite(micros)
            ? DateTimeOffset.UnixEpoch.AddTicks((long)(micros * 10)).ToString("HH:mm:ss.fff", System.Globalization.CultureInfo.InvariantCulture)
            : "never";

    private static long Key(int chunk, long sequence) => ((long)chunk << 32) | sequence;

    // "s{chunk}:{sequence}"
    private static bool TryParseId(ReadOnlySpan<byte> id, out int chunk, out long sequence)
    {
        chunk = 0;
        sequence = 0;
        return id.Length > 1 && id[0] == (byte)'s' &&
            Utf8Parser.TryParse(id[1..], out chunk, out var chunkLength) && chunk >= 0 &&
            id.Length > chunkLength + 2 && id[1 + chunkLength] == (byte)':' &&
            Utf8Parser.TryParse(id[(2 + chunkLength)..], out sequence, out var sequenceLength) &&
            2 + chunkLength + sequenceLength == id.Length && sequence >= 0;
    }

    /// <summary>One <c>POST /dev/load</c>: when it was asked for and answered, and each event's send time as received.</summary>
    private sealed class LoadChunk(double requestedAt, long capacity)
    {
        public double RequestedAt { get; } = requestedAt;

        public double AnsweredAt { get; private set; } = double.PositiveInfinity;

        public long Capacity { get; } = capacity;

        public long Sent { get; private set; }

        public bool IsEnded { get; private set; }

        /// <summary>Written by whichever tab received the event first (all copies carry the same stamp); NaN if none did.</summary>
        public double[] SentAt { get; } = Enumerable.Repeat(double.NaN, (int)capacity).ToArray();

        public void Ended(double answeredAt, long sent)
        {
            AnsweredAt = answeredAt;
            Sent = sent;
            IsEnded = true;
        }

        /// <summary>For each event, the earliest and latest moment it can have been sent.</summary>
        public (double[] Earliest, double[] Latest) SendTimeBounds()
        {
            var count = (int)Math.Min(Sent, Capacity);
            var earliest = new double[count];
            var latest = new double[count];
            var known = RequestedAt;
            for (var i = 0; i < count; i++)
            {
                known = double.IsNaN(SentAt[i]) ? known : SentAt[i];
                earliest[i] = known;
            }

            known = AnsweredAt;
            for (var i = count - 1; i >= 0; i--)
            {
                known = double.IsNaN(SentAt[i]) ? known : SentAt[i];
                latest[i] = known;
            }

            return (earliest, latest);
        }
    }

    /// <summary>
    /// One tab, from its handshake to its close (with a reconnecting tab, each connection from its handshake to its
    /// close), and the intervals in which its user's upstream was up as the tab was told: from <c>connected</c> (or,
    /// after a <c>reconnecting</c>, from the <c>resync</c> that follows it) to the next other state.
    /// </summary>
    private sealed class TabLife(int user)
    {
        private readonly Lock _lock = new();
        private readonly HashSet<long> _received = [];
        private readonly List<float> _latencies = [];
        private readonly List<(double From, double To)> _up = [];
        private double? _upSince;
        private bool _connected;
        private bool _resyncPending;
        private readonly List<(double From, double To)> _open = [];
        private readonly List<double> _serverClosesAt = [];
        private double? _openSince;

        public int User { get; } = user;

        /// <summary>When the server closed one of the tab's connections.</summary>
        public IReadOnlyList<double> ServerClosesAt
        {
            get
            {
                lock (_lock)
                {
                    return [.. _serverClosesAt];
                }
            }
        }

        public long Deliveries { get; private set; }

        public long Duplicates { get; private set; }

        public int Reconnectings { get; private set; }

        public int Resyncs { get; private set; }

        public IReadOnlyList<float> Latencies => _latencies;

        /// <summary>The first connection's handshake is done (its first status may already have been read).</summary>
        public void Opened(double now)
        {
            lock (_lock)
            {
                _openSince ??= now;
            }
        }

        /// <summary>A connection made again after the server closed the last: it hears its statuses afresh, no resync before the first connected.</summary>
        public void Reopened(double now)
        {
            lock (_lock)
            {
                _openSince ??= now;
                _connected = false;
                _resyncPending = false;
            }
        }

        public void Received(long key, double latencyMs)
        {
            lock (_lock)
            {
                Deliveries++;
                if (_received.Add(key))
                {
                    _latencies.Add((float)latencyMs);
                }
                else
                {
                    Duplicates++;
                }
            }
        }

        public bool HasReceived(long key)
        {
            lock (_lock)
            {
                return _received.Contains(key);
            }
        }

        public void Status(ReadOnlySpan<byte> state, double now)
        {
            lock (_lock)
            {
                _connected = state.SequenceEqual("connected"u8);
                if (_connected)
                {
                    if (!_resyncPending)
                    {
                        GoUp(now);
                    }

                    return;
                }

                GoDown(now);
                if (state.SequenceEqual("reconnecting"u8))
                {
                    // The stream had been up: the relay sends resync once it is back.
                    Reconnectings++;
                    _resyncPending = true;
                }
                else if (state.SequenceEqual("connecting"u8))
                {
                    // It never connected yet: no resync will follow the first connected.
                    _resyncPending = false;
                }
            }
        }

        public void Resync(double now)
        {
            lock (_lock)
            {
                Resyncs++;
                _resyncPending = false;
                if (_connected)
                {
                    GoUp(now);
                }
            }
        }

        public void Ended(double now, bool byServer)
        {
            lock (_lock)
            {
                if (_openSince is { } since)
                {
                    _open.Add((since, now));
                    _openSince = null;
                    if (byServer)
                    {
                        _serverClosesAt.Add(now);
                    }
                }

                GoDown(now);
            }
        }

        public bool OpenThroughout(double from, double to)
        {
            lock (_lock)
            {
                return _open.Exists(open => open.From < from && open.To >= to) || (_openSince is { } since && since < from);
            }
        }

        public bool UpThroughout(double from, double to)
        {
            lock (_lock)
            {
                return _up.Exists(up => up.From < from && up.To >= to) || (_upSince is { } since && since < from);
            }
        }

        public double UpSinceBefore(double at)
        {
            lock (_lock)
            {
                return _up.Where(up => up.From < at && up.To >= at).Select(up => up.From).DefaultIfEmpty(_upSince ?? double.NaN).First();
            }
        }

        private void GoUp(double now) => _upSince ??= now;

        private void GoDown(double now)
        {
            if (_upSince is { } since)
            {
                _up.Add((since, now));
                _upSince = null;
            }
        }
    }
}

/// <summary>How delivery went over the whole soak.</summary>
/// <param name="Sent">Events the simulated Reflector emitted (to users with tabs or without).</param>
/// <param name="Due">Events owed to tabs open throughout their window: one per tab, not per event.</param>
/// <param name="DueWhileUp">Of those, the ones sent while the tab's upstream was certainly up (see <see cref="SoakLedger.Evaluate"/>).</param>
/// <param name="Foreign">Events a tab received that were meant for another user.</param>
/// <param name="TabsClosedByServer">Tabs the server closed outside every outage (a killed relay's tabs are closed by the kill).</param>
/// <param name="ServerCloses">Connections the server closed, outages included.</param>
internal sealed record DeliveryVerdict(
    long Sent,
    long Due,
    long Delivered,
    long DueWhileUp,
    long DeliveredWhileUp,
    long LostWhileUp,
    long LostInGap,
    long Duplicated,
    long Foreign,
    long Unreadable,
    int TabsOpened,
    int TabsClosedByServer,
    int ServerCloses,
    int ReconnectingsSeen,
    int ResyncsSeen,
    double P50Ms,
    double P99Ms,
    double MaxMs,
    IReadOnlyList<string> LostWhileUpExamples);
