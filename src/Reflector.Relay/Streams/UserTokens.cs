namespace Reflector.Relay.Streams;

/// <summary>
/// The tokens of one user's live connections on this relay, and which of them the upstream refused: the upstream
/// socket is opened with the newest unexpired one not refused. Thread-safe.
/// </summary>
internal sealed class UserTokens
{
    private readonly Lock _lock = new();
    private readonly Dictionary<string, UpstreamToken> _byConnection = new(StringComparer.Ordinal);
    private readonly HashSet<string> _refused = new(StringComparer.Ordinal);
    private TaskCompletionSource _changed = NewSignal();

    public int ConnectionCount
    {
        get
        {
            lock (_lock)
            {
                return _byConnection.Count;
            }
        }
    }

    /// <summary>Refused tokens remembered, so none is offered again while a connection still holds it.</summary>
    public int RefusedCount
    {
        get
        {
            lock (_lock)
            {
                return _refused.Count;
            }
        }
    }

    /// <summary>The token <paramref name="connectionId"/> was counted with, if it is one of these connections.</summary>
    public UpstreamToken? Of(string connectionId)
    {
        lock (_lock)
        {
            return _byConnection.GetValueOrDefault(connectionId);
        }
    }

    public void Add(string connectionId, UpstreamToken token)
    {
        TaskCompletionSource changed;
        lock (_lock)
        {
            // A user's tabs usually hold the same token: keep one copy of it, not one per tab.
            foreach (var held in _byConnection.Values)
            {
                if (held == token)
                {
                    token = held;
                    break;
                }
            }

            _byConnection[connectionId] = token;
            changed = _changed;
            _changed = NewSignal();
        }

        changed.TrySetResult();
    }

    /// <returns><see langword="true"/> when the connection was one of this user's.</returns>
    public bool Remove(string connectionId)
    {
        lock (_lock)
        {
            if (!_byConnection.Remove(connectionId))
            {
                return false;
            }

            // A refusal matters only while some connection still holds that token; forget the rest, so a user who
            // reconnects for weeks does not grow this set.
            _refused.RemoveWhere(refused => !_byConnection.Values.Any(token => token.Value == refused));
            return true;
        }
    }

    public void MarkRefused(UpstreamToken token)
    {
        lock (_lock)
        {
            _refused.Add(token.Value);
        }
    }

    /// <summary>
    /// The newest unexpired token not refused; otherwise <see langword="null"/>, with a task that completes when
    /// a connection arrives and whether any connection is here at all.
    /// </summary>
    public UpstreamToken? Best(DateTimeOffset now, out Task changed, out bool hasConnections)
    {
        lock (_lock)
        {
            changed = _changed.Task;
            hasConnections = _byConnection.Count > 0;
            UpstreamToken? best = null;
            foreach (var token in _byConnection.Values)
            {
                if (token.IsExpired(now) || _refused.Contains(token.Value))
                {
                    continue;
                }

                if (best is null || (token.ExpiresAt ?? DateTimeOffset.MaxValue) > (best.ExpiresAt ?? DateTimeOffset.MaxValue))
                {
                    best = token;
                }
            }

            return best;
        }
    }

    private static TaskCompletionSource NewSignal() => new(TaskCreationOptions.RunContinuationsAsynchronously);
}
