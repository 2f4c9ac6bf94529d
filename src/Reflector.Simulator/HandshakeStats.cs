namespace Reflector.Simulator;

// How the handshakes of one kind of socket ended (accepted, refused, answered 503), in total and per stream,
// and how many are in progress right now. Also the knob that makes each one slow, as on a loaded API.
internal sealed class HandshakeStats
{
    private readonly Lock _gate = new();
    private readonly Dictionary<string, int> _accepted = new(StringComparer.Ordinal);
    private readonly Dictionary<string, int> _refused = new(StringComparer.Ordinal);
    private int _totalAccepted;
    private int _totalRefused;
    private int _unavailable;
    private int _inFlight;
    private int _peakInFlight;

    // How long each upgrade takes before it is decided; lets a test make concurrent handshakes overlap.
    public TimeSpan Delay { get; set; }

    public int TotalAccepted
    {
        get
        {
            lock (_gate)
            {
                return _totalAccepted;
            }
        }
    }

    public int TotalRefused
    {
        get
        {
            lock (_gate)
            {
                return _totalRefused;
            }
        }
    }

    public int Unavailable
    {
        get
        {
            lock (_gate)
            {
                return _unavailable;
            }
        }
    }

    // The most handshakes that were in progress at once since the last reset.
    public int PeakInFlight => Volatile.Read(ref _peakInFlight);

    public int Accepted(string streamId)
    {
        lock (_gate)
        {
            return _accepted.GetValueOrDefault(streamId);
        }
    }

    public int Refused(string streamId)
    {
        lock (_gate)
        {
            return _refused.GetValueOrDefault(streamId);
        }
    }

    public void CountAccepted(string streamId)
    {
        lock (_gate)
        {
            _accepted[streamId] = _accepted.GetValueOrDefault(streamId) + 1;
            _totalAccepted++;
        }
    }

    // streamId null: refused before anyone knew which stream it wanted (a user handshake without a valid token).
    public void CountRefused(string? streamId)
    {
        lock (_gate)
        {
            if (streamId is not null)
            {
                _refused[streamId] = _refused.GetValueOrDefault(streamId) + 1;
            }

            _totalRefused++;
        }
    }

    public void CountUnavailable()
    {
        lock (_gate)
        {
            _unavailable++;
        }
    }

    public void Started()
    {
        var inFlight = Interlocked.Increment(ref _inFlight);
        int peak;
        while (inFlight > (peak = Volatile.Read(ref _peakInFlight)) &&
               Interlocked.CompareExchange(ref _peakInFlight, inFlight, peak) != peak)
        {
        }
    }

    public void Ended() => Interlocked.Decrement(ref _inFlight);

    public void ResetPeakInFlight() => Volatile.Write(ref _peakInFlight, Volatile.Read(ref _inFlight));
}
