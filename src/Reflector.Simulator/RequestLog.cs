using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;

namespace Reflector.Simulator;

// Every connection and every request that reached the server, whatever its path and whether any endpoint matched: a
// test can tell that a client sent nothing at all, or exactly which path it asked for. (A WebSocket client opens a
// connection per handshake; Kestrel refuses some requests, such as one with a NUL in its path, before any middleware,
// so only the connection count sees those.) The target is kept as sent on the request line
// (before any decoding or dot-segment removal), without its query. Only the newest are kept, so a long benchmark does
// not grow it without end.
internal sealed class RequestLog
{
    private const int Capacity = 10_000;

    private readonly Lock _gate = new();
    private readonly Queue<string> _targets = new();
    private long _total;
    private long _connections;

    public long Connections => Interlocked.Read(ref _connections);

    public void CountConnection() => Interlocked.Increment(ref _connections);

    public long Total
    {
        get
        {
            lock (_gate)
            {
                return _total;
            }
        }
    }

    public IReadOnlyList<string> Recent()
    {
        lock (_gate)
        {
            return [.. _targets];
        }
    }

    public void Record(HttpContext context)
    {
        var target = context.Features.Get<IHttpRequestFeature>()?.RawTarget ?? context.Request.Path.ToString();
        var query = target.IndexOf('?', StringComparison.Ordinal);
        if (query >= 0)
        {
            target = target[..query];
        }

        lock (_gate)
        {
            _total++;
            _targets.Enqueue(target);
            if (_targets.Count > Capacity)
            {
                _targets.Dequeue();
            }
        }
    }
}
