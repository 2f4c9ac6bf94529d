using System.Collections.Concurrent;
using Microsoft.Extensions.Options;
using Reflector.Relay.Limits;

namespace Reflector.Relay.Transcripts;

/// <summary>Which transcripts each connection subscribed to, bounded by <c>Limits:MaxTranscriptsPerConnection</c>.</summary>
internal sealed class TranscriptSubscriptions(IOptions<ConnectionLimitsOptions> limits)
{
    private readonly int _maxPerConnection = limits.Value.MaxTranscriptsPerConnection;
    private readonly ConcurrentDictionary<string, HashSet<string>> _byConnection = new(StringComparer.Ordinal);

    public int MaxPerConnection => _maxPerConnection;

    /// <returns><see langword="false"/> when the connection already holds the most subscriptions allowed.</returns>
    public bool TryAdd(string connectionId, string transcriptId)
    {
        var transcripts = _byConnection.GetOrAdd(connectionId, static _ => new HashSet<string>(StringComparer.Ordinal));
        lock (transcripts)
        {
            return transcripts.Contains(transcriptId) || (transcripts.Count < _maxPerConnection && transcripts.Add(transcriptId));
        }
    }

    public void Remove(string connectionId, string transcriptId)
    {
        if (_byConnection.TryGetValue(connectionId, out var transcripts))
        {
            lock (transcripts)
            {
                transcripts.Remove(transcriptId);
            }
        }
    }

    /// <summary>Forgets the connection; returns the transcripts it was subscribed to.</summary>
    public string[] RemoveConnection(string connectionId)
    {
        if (!_byConnection.TryRemove(connectionId, out var transcripts))
        {
            return [];
        }

        lock (transcripts)
        {
            return [.. transcripts];
        }
    }
}
