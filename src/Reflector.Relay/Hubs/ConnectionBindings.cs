using System.Collections.Concurrent;
using Microsoft.AspNetCore.Http.Connections;
using Microsoft.AspNetCore.SignalR;
using Microsoft.Extensions.Options;
using Reflector.Relay.Diagnostics;

namespace Reflector.Relay.Hubs;

/// <summary>
/// Which user each live connection token belongs to. SignalR re-reads the user on every long-polling or SSE
/// request and only warns when it changes, and a connection token travels in URLs (so in proxy logs): without
/// this, anyone with a valid token of their own could read another user's connection. A token is bound when
/// SignalR issues it (negotiate) or, for a WebSocket that skipped negotiate, when its connection starts, and
/// the binding lasts exactly as long as the connection. Nothing is ever stored for an id the relay did not
/// issue, so made-up ids cost nothing, and no flood or elapsed time can free a live connection's binding.
/// </summary>
internal sealed class ConnectionBindings : IDisposable
{
    private readonly ConcurrentDictionary<string, Binding> _byToken = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, string> _tokenByConnection = new(StringComparer.Ordinal);
    private readonly TimeProvider _timeProvider;
    private readonly TimeSpan _unstartedLifetime;
    private readonly ITimer _sweep;
    private int _count;

    public ConnectionBindings(IOptions<ConnectionOptions> connections, IOptions<HubOptions> hubs, RelayMetrics metrics, TimeProvider timeProvider)
    {
        _timeProvider = timeProvider;
        // SignalR drops a negotiated connection that no transport took up within its disconnect timeout, and one
        // whose handshake did not finish within the handshake timeout; a binding that never started is kept for
        // both and as much again, so it cannot be forgotten while SignalR could still start its connection.
        var disconnectTimeout = connections.Value.DisconnectTimeout ?? TimeSpan.FromSeconds(15);
        var handshakeTimeout = hubs.Value.HandshakeTimeout ?? TimeSpan.FromSeconds(15);
        _unstartedLifetime = (disconnectTimeout * 2) + handshakeTimeout;
        metrics.ObserveConnectionBindings(() => Count);
        _sweep = timeProvider.CreateTimer(static state => ((ConnectionBindings)state!).ForgetUnstarted(), this, _unstartedLifetime, _unstartedLifetime);
    }

    /// <summary>Connection tokens bound: live connections, and negotiated ones not started yet.</summary>
    public int Count => Volatile.Read(ref _count);

    /// <summary>Binds a token SignalR just issued at negotiate to the user who negotiated.</summary>
    public void BindNegotiated(string connectionToken, string connectionId, string owner)
    {
        if (_byToken.TryAdd(connectionToken, new Binding(owner, connectionId, _timeProvider.GetTimestamp())))
        {
            Interlocked.Increment(ref _count);
        }
    }

    /// <summary>
    /// The connection has started (its hub handshake is done): its binding now lasts until <see cref="Release"/>.
    /// A WebSocket that skipped negotiate is bound here; its token is its connection id.
    /// </summary>
    /// <returns><see langword="false"/> when the token is bound to another user.</returns>
    public bool Start(string? connectionToken, string connectionId, string owner)
    {
        var token = string.IsNullOrEmpty(connectionToken) ? connectionId : connectionToken;
        if (_byToken.TryAdd(token, new Binding(owner, connectionId, negotiatedAt: 0) { Started = true }))
        {
            Interlocked.Increment(ref _count);
        }
        else if (_byToken.TryGetValue(token, out var binding) &&
                 string.Equals(binding.Owner, owner, StringComparison.Ordinal) &&
                 string.Equals(binding.ConnectionId, connectionId, StringComparison.Ordinal))
        {
            binding.Started = true;
        }
        else
        {
            return false;
        }

        _tokenByConnection[connectionId] = token;
        return true;
    }

    /// <summary>The connection has ended: its token no longer names anything.</summary>
    public void Release(string connectionId)
    {
        if (_tokenByConnection.TryRemove(connectionId, out var token) && _byToken.TryRemove(token, out _))
        {
            Interlocked.Decrement(ref _count);
        }
    }

    /// <summary>Who may use <paramref name="connectionToken"/>, as seen by <paramref name="caller"/>.</summary>
    public BindingCheck Check(string connectionToken, string? caller)
    {
        if (!_byToken.TryGetValue(connectionToken, out var binding))
        {
            return BindingCheck.Unknown;
        }

        return caller is not null && string.Equals(binding.Owner, caller, StringComparison.Ordinal)
            ? BindingCheck.Owner
            : BindingCheck.Foreign;
    }

    public void Dispose() => _sweep.Dispose();

    private void ForgetUnstarted()
    {
        foreach (var (token, binding) in _byToken)
        {
            if (!binding.Started &&
                _timeProvider.GetElapsedTime(binding.NegotiatedAt) >= _unstartedLifetime &&
                _byToken.TryRemove(new KeyValuePair<string, Binding>(token, binding)))
            {
                Interlocked.Decrement(ref _count);
            }
        }
    }

    private sealed class Binding(string owner, string connectionId, long negotiatedAt)
    {
        public string Owner { get; } = owner;

        public string ConnectionId { get; } = connectionId;

        /// <summary>When negotiate bound it; 0 for a connection bound as it started.</summary>
        public long NegotiatedAt { get; } = negotiatedAt;

        public volatile bool Started;
    }
}

internal enum BindingCheck
{
    /// <summary>The token names no live connection of this relay (made up, or its connection ended).</summary>
    Unknown,

    /// <summary>The token belongs to the caller.</summary>
    Owner,

    /// <summary>The token belongs to someone else.</summary>
    Foreign,
}
