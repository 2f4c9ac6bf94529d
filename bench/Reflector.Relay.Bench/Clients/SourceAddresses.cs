using System.Net;
using System.Net.Sockets;

namespace Reflector.Relay.Bench.Clients;

/// <summary>
/// Spreads client connections over several loopback source addresses (127.B.0.1, 127.B.0.2, …): one address
/// reaches one server port through ~28,000 ephemeral ports, and a port bound before connecting is held by
/// that address alone. Each system gets its own block B, so ports still in TIME_WAIT from the system before
/// never get in the way.
/// </summary>
internal sealed class SourceAddresses : IDisposable
{
    /// <summary>
    /// Keep-alive connections one source address keeps for negotiate requests: a browser shares a few (six per origin
    /// over HTTP/1.1) among its tabs, so a storm's negotiates queue on them rather than open a connection each.
    /// </summary>
    private const int NegotiateConnectionsPerAddress = 64;

    private readonly ClientInvokers[] _invokers;

    public SourceAddresses(int block, int connections, int connectionsPerAddress)
    {
        var count = Math.Clamp((connections + connectionsPerAddress - 1) / connectionsPerAddress, 1, 250);
        Addresses = [.. Enumerable.Range(1, count).Select(i => new IPAddress([127, (byte)block, 0, (byte)i]))];
        _invokers = [.. Addresses.Select(address => new ClientInvokers(
            new HttpMessageInvoker(Handler(address, int.MaxValue)),
            new HttpMessageInvoker(Handler(address, NegotiateConnectionsPerAddress))))];
    }

    public IReadOnlyList<IPAddress> Addresses { get; }

    public ClientInvokers For(int connection) => _invokers[connection % _invokers.Length];

    private static SocketsHttpHandler Handler(IPAddress source, int maxConnections) => new()
    {
        UseProxy = false,
        MaxConnectionsPerServer = maxConnections,
        // Idle negotiate connections go soon after a storm, so that idle's and ramp's memory is the tabs' own.
        PooledConnectionIdleTimeout = TimeSpan.FromSeconds(5),
        ConnectTimeout = TimeSpan.FromSeconds(60),
        ConnectCallback = async (context, cancellationToken) =>
        {
            var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
            try
            {
                socket.Bind(new IPEndPoint(source, 0));
                await socket.ConnectAsync(context.DnsEndPoint, cancellationToken);
                return new NetworkStream(socket, ownsSocket: true);
            }
            catch
            {
                socket.Dispose();
                throw;
            }
        },
    };

    public void Dispose()
    {
        foreach (var (webSockets, requests) in _invokers)
        {
            webSockets.Dispose();
            requests.Dispose();
        }
    }
}

/// <summary>One source address's clients: <paramref name="WebSockets"/> opens each tab's socket, <paramref name="Requests"/> sends its negotiate.</summary>
internal sealed record ClientInvokers(HttpMessageInvoker WebSockets, HttpMessageInvoker Requests);
