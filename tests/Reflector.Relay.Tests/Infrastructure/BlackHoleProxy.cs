using System.Net;
using System.Net.Sockets;

namespace Reflector.Relay.Tests.Infrastructure;

/// <summary>
/// A TCP forwarder on 127.0.0.1 that can turn its open connections into black holes: bytes are read and
/// discarded both ways, the sockets stay open. That is a peer gone silent, which only keep-alive can notice.
/// </summary>
internal sealed class BlackHoleProxy : IAsyncDisposable
{
    private readonly TcpListener _listener = new(IPAddress.Loopback, 0);
    private readonly IPEndPoint _target;
    private readonly CancellationTokenSource _stop = new();
    private readonly List<Task> _pumps = [];
    private readonly List<TcpClient> _clients = [];
    private readonly Lock _lock = new();
    private readonly Task _accepting;
    private int _generation;

    public BlackHoleProxy(Uri target)
    {
        _target = new IPEndPoint(IPAddress.Parse(target.Host), target.Port);
        _listener.Start();
        _accepting = AcceptAsync();
    }

    public int Port => ((IPEndPoint)_listener.LocalEndpoint).Port;

    /// <summary>Connections open now go silent; later connections forward normally.</summary>
    public void SilenceOpenConnections() => Interlocked.Increment(ref _generation);

    private async Task AcceptAsync()
    {
        while (!_stop.IsCancellationRequested)
        {
            TcpClient client;
            try
            {
                client = await _listener.AcceptTcpClientAsync(_stop.Token);
            }
            catch (OperationCanceledException)
            {
                return;
            }

            var server = new TcpClient();
            await server.ConnectAsync(_target, _stop.Token);
            var generation = Volatile.Read(ref _generation);
            var clientStream = client.GetStream();
            var serverStream = server.GetStream();
            lock (_lock)
            {
                _clients.Add(client);
                _clients.Add(server);
                _pumps.Add(PumpAsync(clientStream, serverStream, generation));
                _pumps.Add(PumpAsync(serverStream, clientStream, generation));
            }
        }
    }

    private async Task PumpAsync(NetworkStream from, NetworkStream to, int generation)
    {
        var buffer = new byte[16 * 1024];
        try
        {
            while (true)
            {
                var read = await from.ReadAsync(buffer, _stop.Token);
                if (read == 0)
                {
                    to.Socket.Shutdown(SocketShutdown.Send);
                    return;
                }

                if (Volatile.Read(ref _generation) == generation)
                {
                    await to.WriteAsync(buffer.AsMemory(0, read), _stop.Token);
                }
            }
        }
        catch (Exception exception) when (exception is IOException or SocketException or OperationCanceledException or ObjectDisposedException)
        {
            // Either side going away ends both directions.
            await from.DisposeAsync();
            await to.DisposeAsync();
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        _listener.Stop();
        await _accepting;
        Task[] pumps;
        lock (_lock)
        {
            pumps = [.. _pumps];
        }

        await Task.WhenAll(pumps);
        lock (_lock)
        {
            _clients.ForEach(client => client.Dispose());
        }

        _stop.Dispose();
    }
}
