using System.Net;
using System.Net.Sockets;
using System.Net.WebSockets;
using System.Text;
using Reflector.Relay.Tests.Infrastructure;
using Reflector.Relay.Streams;

namespace Reflector.Relay.Tests.Streams;

/// <summary>The reader over a real WebSocket pair on a loopback TCP connection.</summary>
public sealed class UpstreamMessageReaderTests : IAsyncLifetime, IDisposable
{
    private TcpClient _clientTcp = null!;
    private TcpClient _serverTcp = null!;
    private WebSocket _upstream = null!;
    private WebSocket _relay = null!;

    public async Task InitializeAsync()
    {
        var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        try
        {
            _clientTcp = new TcpClient();
            var accept = listener.AcceptTcpClientAsync();
            await _clientTcp.ConnectAsync(IPAddress.Loopback, ((IPEndPoint)listener.LocalEndpoint).Port).DefaultTimeout();
            _serverTcp = await accept.DefaultTimeout();
        }
        finally
        {
            listener.Stop();
        }

        _upstream = WebSocket.CreateFromStream(_serverTcp.GetStream(), isServer: true, subProtocol: null, keepAliveInterval: Timeout.InfiniteTimeSpan);
        _relay = WebSocket.CreateFromStream(_clientTcp.GetStream(), isServer: false, subProtocol: null, keepAliveInterval: Timeout.InfiniteTimeSpan);
    }

    [Fact]
    public async Task A_socket_waiting_for_its_next_message_holds_no_buffer()
    {
        using var reader = new UpstreamMessageReader(maxMessageBytes: 256 * 1024);
        await SendAsync("first");
        Assert.Equal("first", Encoding.UTF8.GetString((await reader.ReadAsync(_relay, CancellationToken.None).DefaultTimeout()).Payload.Span));
        Assert.Equal(UpstreamMessageReader.InitialBufferSize, reader.BufferSize);

        var waiting = reader.ReadAsync(_relay, CancellationToken.None).AsTask();
        await Task.Yield();
        Assert.False(waiting.IsCompleted);
        Assert.Equal(0, reader.BufferSize);

        await SendAsync("second");
        Assert.Equal("second", Encoding.UTF8.GetString((await waiting.DefaultTimeout()).Payload.Span));
    }

    [Fact]
    public async Task An_empty_message_is_read_as_an_empty_text()
    {
        using var reader = new UpstreamMessageReader(maxMessageBytes: 8 * 1024);
        await SendAsync("");
        await SendAsync("after");

        var empty = await reader.ReadAsync(_relay, CancellationToken.None).DefaultTimeout();
        Assert.Equal(UpstreamMessageKind.Text, empty.Kind);
        Assert.True(empty.Payload.IsEmpty);
        Assert.Equal("after", Encoding.UTF8.GetString((await reader.ReadAsync(_relay, CancellationToken.None).DefaultTimeout()).Payload.Span));
    }

    [Fact]
    public async Task A_message_in_several_frames_is_read_whole_even_when_its_first_frame_is_empty()
    {
        using var reader = new UpstreamMessageReader(maxMessageBytes: 8 * 1024);
        await SendFrameAsync("", endOfMessage: false);
        await SendFrameAsync("{\"event\":", endOfMessage: false);
        await SendFrameAsync("\"split\"}", endOfMessage: true);
        await SendAsync("next");

        var split = await reader.ReadAsync(_relay, CancellationToken.None).DefaultTimeout();
        Assert.Equal(UpstreamMessageKind.Text, split.Kind);
        Assert.Equal("{\"event\":\"split\"}", Encoding.UTF8.GetString(split.Payload.Span));
        Assert.Equal("next", Encoding.UTF8.GetString((await reader.ReadAsync(_relay, CancellationToken.None).DefaultTimeout()).Payload.Span));
    }

    [Fact]
    public async Task A_large_message_grows_the_buffer_only_until_the_next_message_is_read()
    {
        using var reader = new UpstreamMessageReader(maxMessageBytes: 256 * 1024);
        Assert.Equal(0, reader.BufferSize);

        var large = new string('x', 100_000);
        await SendAsync(large);
        await SendAsync("small");

        var first = await reader.ReadAsync(_relay, CancellationToken.None).DefaultTimeout();
        Assert.Equal(UpstreamMessageKind.Text, first.Kind);
        Assert.Equal(large, Encoding.UTF8.GetString(first.Payload.Span));
        Assert.True(reader.BufferSize >= large.Length);

        var second = await reader.ReadAsync(_relay, CancellationToken.None).DefaultTimeout();
        Assert.Equal("small", Encoding.UTF8.GetString(second.Payload.Span));
        Assert.Equal(UpstreamMessageReader.InitialBufferSize, reader.BufferSize);
    }

    [Fact]
    public async Task A_message_past_the_limit_is_discarded_without_growing_past_it_and_the_next_one_is_whole()
    {
        using var reader = new UpstreamMessageReader(maxMessageBytes: 8 * 1024);
        await SendAsync(new string('x', 50_000));
        await SendAsync("{\"event\":\"next\"}");

        var oversized = await reader.ReadAsync(_relay, CancellationToken.None).DefaultTimeout();
        Assert.Equal(UpstreamMessageKind.TooLarge, oversized.Kind);
        Assert.True(reader.BufferSize <= 8 * 1024);

        var next = await reader.ReadAsync(_relay, CancellationToken.None).DefaultTimeout();
        Assert.Equal(UpstreamMessageKind.Text, next.Kind);
        Assert.Equal("{\"event\":\"next\"}", Encoding.UTF8.GetString(next.Payload.Span));
    }

    [Fact]
    public async Task Binary_and_close_frames_are_reported_as_such()
    {
        using var reader = new UpstreamMessageReader(maxMessageBytes: 8 * 1024);
        await _upstream.SendAsync(new byte[] { 1, 2, 3 }, WebSocketMessageType.Binary, true, CancellationToken.None).DefaultTimeout();
        await _upstream.CloseOutputAsync(WebSocketCloseStatus.NormalClosure, null, CancellationToken.None).DefaultTimeout();

        Assert.Equal(UpstreamMessageKind.Binary, (await reader.ReadAsync(_relay, CancellationToken.None).DefaultTimeout()).Kind);
        Assert.Equal(UpstreamMessageKind.Close, (await reader.ReadAsync(_relay, CancellationToken.None).DefaultTimeout()).Kind);
    }

    private Task SendFrameAsync(string text, bool endOfMessage) =>
        _upstream.SendAsync(Encoding.UTF8.GetBytes(text), WebSocketMessageType.Text, endOfMessage, CancellationToken.None).DefaultTimeout();

    private Task SendAsync(string text) =>
        _upstream.SendAsync(Encoding.UTF8.GetBytes(text), WebSocketMessageType.Text, true, CancellationToken.None).DefaultTimeout();

    public Task DisposeAsync() => Task.CompletedTask;

    public void Dispose()
    {
        _upstream?.Dispose();
        _relay?.Dispose();
        _clientTcp?.Dispose();
        _serverTcp?.Dispose();
    }
}
