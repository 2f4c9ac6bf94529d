using Microsoft.Extensions.Options;
using Reflector.Relay.Diagnostics;

namespace Reflector.Relay.Anonymous;

/// <summary>
/// The anonymous connections of this relay, counted per client address (the only thing that tells one anonymous
/// client from another) against <c>Anonymous:MaxConnectionsPerAddress</c>.
/// </summary>
internal sealed class AnonymousViewers
{
    /// <summary>
    /// The user key of anonymous viewers in stream keys: empty, which no signed-in user's key can be, so an
    /// anonymous stream never shares a socket with a signed-in one.
    /// </summary>
    public const string StreamOwner = "";

    private readonly Lock _lock = new();
    private readonly Dictionary<string, string> _addressByConnection = new(StringComparer.Ordinal);
    private readonly Dictionary<string, int> _connectionsByAddress = new(StringComparer.Ordinal);
    private readonly int _maxPerAddress;
    private int _count;

    public AnonymousViewers(IOptions<AnonymousViewerOptions> options, RelayMetrics metrics)
    {
        Enabled = options.Value.Enabled;
        _maxPerAddress = options.Value.MaxConnectionsPerAddress;
        metrics.ObserveAnonymousConnections(() => Volatile.Read(ref _count));
    }

    public bool Enabled { get; }

    public int MaxConnectionsPerAddress => _maxPerAddress;

    /// <summary>The key anonymous limits count under for a client address.</summary>
    public static string AddressKey(string address) => "address " + address;

    /// <returns><see langword="false"/> when the address already holds the most anonymous connections allowed.</returns>
    public bool TryAdd(string connectionId, string address)
    {
        lock (_lock)
        {
            var held = _connectionsByAddress.GetValueOrDefault(address);
            if (held >= _maxPerAddress || !_addressByConnection.TryAdd(connectionId, address))
            {
                return false;
            }

            _connectionsByAddress[address] = held + 1;
            _count++;
            return true;
        }
    }

    /// <summary>The client address of an anonymous connection, while it is connected.</summary>
    public string? AddressOf(string connectionId)
    {
        lock (_lock)
        {
            return _addressByConnection.GetValueOrDefault(connectionId);
        }
    }

    public void Remove(string connectionId)
    {
        lock (_lock)
        {
            if (!_addressByConnection.Remove(connectionId, out var address))
            {
                return;
            }

            _count--;
            if (--_connectionsByAddress[address] == 0)
            {
                _connectionsByAddress.Remove(address);
            }
        }
    }
}
