using System.Globalization;
using System.Net.Http.Json;
using System.Net.WebSockets;
using System.Text;
using System.Text.Json;
using Reflector.Relay.Tests.Infrastructure;
using Reflector.Simulator;

namespace Reflector.Relay.Tests.Simulator;

/// <summary>The simulator's POST /dev/load, read from a user's own socket: what a numbered event carries, stamped or not.</summary>
public sealed class LoadEndpointTests(ReflectorFixture fixture) : IClassFixture<ReflectorFixture>
{
    private SimulatedReflector Reflector => fixture.Reflector;

    [Fact]
    public async Task Stamped_load_carries_run_sequence_and_send_time_in_the_id_and_seconds_in_duration()
    {
        using var socket = await ConnectAsync("stamped-user");
        var before = NowMicros();
        var result = await LoadAsync(new { runId = "r1", users = new[] { "stamped-user" }, mode = "burst", rounds = 2, intervalMs = 1, stamp = true });
        var after = NowMicros();
        Assert.Equal(2, result.GetProperty("sent").GetInt64());

        for (var sequence = 0; sequence < 2; sequence++)
        {
            using var frame = JsonDocument.Parse(await ReceiveTextAsync(socket));
            Assert.Equal("TRANSCRIPT_DURATION", frame.RootElement.GetProperty("event").GetString());
            var data = frame.RootElement.GetProperty("data");
            var parts = data.GetProperty("id").GetString()!.Split(':');
            Assert.Equal(3, parts.Length);
            Assert.Equal("r1", parts[0]);
            Assert.Equal(sequence, long.Parse(parts[1], CultureInfo.InvariantCulture));
            Assert.InRange(long.Parse(parts[2], CultureInfo.InvariantCulture), before, after);
            Assert.Equal(sequence, data.GetProperty("duration").GetDouble());
        }

        await socket.CloseOutputAsync(WebSocketCloseStatus.NormalClosure, null, CancellationToken.None).DefaultTimeout();
    }

    [Fact]
    public async Task Unstamped_load_keeps_the_send_time_in_duration()
    {
        using var socket = await ConnectAsync("plain-user");
        var before = NowMicros();
        await LoadAsync(new { runId = "r2", users = new[] { "plain-user" }, mode = "burst", rounds = 1, intervalMs = 1 });
        var after = NowMicros();

        using var frame = JsonDocument.Parse(await ReceiveTextAsync(socket));
        var data = frame.RootElement.GetProperty("data");
        Assert.Equal("r2:0", data.GetProperty("id").GetString());
        Assert.InRange(data.GetProperty("duration").GetInt64(), before, after);
        await socket.CloseOutputAsync(WebSocketCloseStatus.NormalClosure, null, CancellationToken.None).DefaultTimeout();
    }

    private async Task<ClientWebSocket> ConnectAsync(string user)
    {
        var socket = new ClientWebSocket();
        socket.Options.AddSubProtocol("bearer");
        socket.Options.AddSubProtocol(Reflector.IssueToken(user, TimeSpan.FromMinutes(5)));
        await socket.ConnectAsync(Reflector.EventsUrl, CancellationToken.None).DefaultTimeout();
        await Reflector.WaitForOpenSocketsAsync(user, 1, TestTimeouts.Default).DefaultTimeout();
        return socket;
    }

    private async Task<JsonElement> LoadAsync(object request)
    {
        using var http = new HttpClient { BaseAddress = Reflector.BaseAddress };
        using var response = await http.PostAsJsonAsync("dev/load", request).DefaultTimeout();
        response.EnsureSuccessStatusCode();
        return await response.Content.ReadFromJsonAsync<JsonElement>().DefaultTimeout();
    }

    private static async Task<string> ReceiveTextAsync(ClientWebSocket socket)
    {
        var buffer = new byte[4096];
        var text = new StringBuilder();
        WebSocketReceiveResult received;
        do
        {
            received = await socket.ReceiveAsync(buffer, CancellationToken.None).DefaultTimeout();
            text.Append(Encoding.UTF8.GetString(buffer, 0, received.Count));
        }
        while (!received.EndOfMessage);

        return text.ToString();
    }

    private static long NowMicros() => (DateTimeOffset.UtcNow - DateTimeOffset.UnixEpoch).Ticks / 10;
}
