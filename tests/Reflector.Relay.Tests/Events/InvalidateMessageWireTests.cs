using System.Net.WebSockets;
using System.Text;
using System.Text.Json;
using Reflector.Relay.Tests.Infrastructure;

namespace Reflector.Relay.Tests.Events;

/// <summary>
/// What a browser actually receives, read from a raw WebSocket speaking SignalR's JSON protocol,
/// so that shared .NET types cannot hide a mismatch with the contract.
/// </summary>
public sealed class InvalidateMessageWireTests(ReflectorFixture fixture) : IClassFixture<ReflectorFixture>
{
    private const char RecordSeparator = '\u001e';

    [Fact]
    public async Task Messages_on_the_wire_use_the_contract_names_and_camel_case_fields()
    {
        await using var relay = new RelayFactory(fixture.Reflector);
        var userId = "wire-" + Guid.NewGuid().ToString("N");
        var token = relay.TokenFor(userId);

        using var socket = new ClientWebSocket();
        var hubUrl = new UriBuilder(relay.HubUrl) { Scheme = "ws", Query = "access_token=" + Uri.EscapeDataString(token) }.Uri;
        await socket.ConnectAsync(hubUrl, CancellationToken.None).DefaultTimeout();
        await SendAsync(socket, "{\"protocol\":\"json\",\"version\":1}" + RecordSeparator);

        var frames = new FrameReader(socket);
        Assert.Equal("{}", await frames.NextAsync()); // handshake response

        // The first invocations carry the upstream state, ending with "connected".
        JsonElement invocation;
        do
        {
            invocation = await frames.NextInvocationAsync();
            Assert.Equal("upstreamStatus", invocation.GetProperty("target").GetString());
        }
        while (invocation.GetProperty("arguments")[0].GetProperty("state").GetString() != "connected");

        Assert.Equal("""{"state":"connected"}""", invocation.GetProperty("arguments")[0].GetRawText());

        await fixture.Reflector.WaitForOpenSocketsAsync(userId, 1, TestTimeouts.Default);
        await fixture.Reflector.EmitAsync(userId, "TRANSCRIPT_STATUS", new { id = "0b3c", value = "processing" });
        await fixture.Reflector.EmitAsync(userId, "TRANSCRIPT_DURATION", new { id = "0b3c", duration = 12.5 });
        await fixture.Reflector.EmitAsync(userId, "TRANSCRIPT_RESTORED", new { id = "0b3c" });

        var status = await frames.NextInvocationAsync();
        Assert.Equal("invalidate", status.GetProperty("target").GetString());
        Assert.Equal("""{"type":"transcriptStatusChanged","transcriptId":"0b3c","status":"processing"}""",
            status.GetProperty("arguments")[0].GetRawText());

        var duration = await frames.NextInvocationAsync();
        Assert.Equal("""{"type":"transcriptDurationChanged","transcriptId":"0b3c","duration":12.5}""",
            duration.GetProperty("arguments")[0].GetRawText());

        var restored = await frames.NextInvocationAsync();
        Assert.Equal("""{"type":"transcriptRestored","transcriptId":"0b3c"}""", restored.GetProperty("arguments")[0].GetRawText());

        // A reconnecting upstream: the state carries retryInMs, and the group gets a resync.
        await fixture.Reflector.DropAllAsync();
        var sawRetryIn = false;
        while (true)
        {
            var next = await frames.NextInvocationAsync();
            var argument = next.GetProperty("arguments")[0];
            if (next.GetProperty("target").GetString() == "upstreamStatus")
            {
                sawRetryIn |= argument.TryGetProperty("retryInMs", out var retryIn) && retryIn.GetInt32() > 0;
                continue;
            }

            Assert.Equal("""{"type":"resync","reason":"upstreamReconnected"}""", argument.GetRawText());
            break;
        }

        Assert.True(sawRetryIn, "a reconnecting status announces when the next attempt happens");
        await socket.CloseOutputAsync(WebSocketCloseStatus.NormalClosure, null, CancellationToken.None).DefaultTimeout();
    }

    private static Task SendAsync(ClientWebSocket socket, string text) =>
        socket.SendAsync(Encoding.UTF8.GetBytes(text), WebSocketMessageType.Text, true, CancellationToken.None).DefaultTimeout();

    private sealed class FrameReader(ClientWebSocket socket)
    {
        private readonly Queue<string> _pending = new();
        private readonly StringBuilder _partial = new();

        public async Task<string> NextAsync()
        {
            var buffer = new byte[8192];
            while (_pending.Count == 0)
            {
                var result = await socket.ReceiveAsync(buffer, CancellationToken.None).DefaultTimeout();
                Assert.NotEqual(WebSocketMessageType.Close, result.MessageType);
                _partial.Append(Encoding.UTF8.GetString(buffer, 0, result.Count));
                var text = _partial.ToString();
                var last = text.LastIndexOf(RecordSeparator);
                if (last < 0)
                {
                    continue;
                }

                foreach (var frame in text[..last].Split(RecordSeparator))
                {
                    _pending.Enqueue(frame);
                }

                _partial.Clear().Append(text[(last + 1)..]);
            }

            return _pending.Dequeue();
        }

        /// <summary>The next invocation message (type 1), skipping pings (type 6).</summary>
        public async Task<JsonElement> NextInvocationAsync()
        {
            while (true)
            {
                using var document = JsonDocument.Parse(await NextAsync());
                if (document.RootElement.GetProperty("type").GetInt32() == 1)
                {
                    return document.RootElement.Clone();
                }
            }
        }
    }
}
