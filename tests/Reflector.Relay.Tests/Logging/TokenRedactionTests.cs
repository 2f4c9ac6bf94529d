using System.Net.Http.Headers;
using System.Net.WebSockets;
using System.Text;
using Microsoft.Extensions.Logging;
using Microsoft.AspNetCore.Http.Connections;
using Microsoft.Extensions.DependencyInjection;
using Reflector.Relay.Events;
using Reflector.Relay.Logging;
using Reflector.Relay.Tests.Infrastructure;
using Serilog.Core;

namespace Reflector.Relay.Tests.Logging;

public sealed class TokenRedactionTests(ReflectorFixture fixture) : IClassFixture<ReflectorFixture>
{
    [Fact]
    public async Task No_token_reaches_any_log_line_at_any_level()
    {
        var sink = new CapturingSink();
        await using var relay = RelayLoggingEverything(sink);
        var userId = "redaction-" + Guid.NewGuid().ToString("N");
        var token = relay.TokenFor(userId);
        var secrets = new[] { token, token.Split('.')[2] };

        // The browser way: the token in the query string of negotiate and of the WebSocket upgrade.
        using var http = new HttpClient { BaseAddress = relay.BaseAddress };
        using var negotiate = await http.PostAsync($"/hubs/user-events/negotiate?negotiateVersion=1&access_token={token}", null);
        negotiate.EnsureSuccessStatusCode();
        using (var socket = new ClientWebSocket())
        {
            var url = new UriBuilder(relay.HubUrl) { Scheme = "ws", Query = "access_token=" + token }.Uri;
            await socket.ConnectAsync(url, CancellationToken.None).DefaultTimeout();
            await socket.CloseOutputAsync(WebSocketCloseStatus.NormalClosure, null, CancellationToken.None).DefaultTimeout();
        }

        // The header way, a refused token, an upstream drop and a reconnect: every path that logs.
        await using (var tab = await relay.ConnectAsync(userId, HttpTransportType.LongPolling))
        {
            await tab.WaitForStateAsync(UpstreamState.Connected);
            await fixture.Reflector.DropAllAsync();
            await tab.WaitForStateAsync(UpstreamState.Connected);
        }

        using var refused = new HttpRequestMessage(HttpMethod.Post, "/hubs/user-events/negotiate?negotiateVersion=1");
        refused.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token + "tampered");
        using var refusedResponse = await http.SendAsync(refused);
        Assert.Equal(System.Net.HttpStatusCode.Unauthorized, refusedResponse.StatusCode);

        var lines = sink.Events.Select(CapturingSink.Render).ToArray();
        Assert.NotEmpty(lines);
        Assert.Contains(lines, line => line.Contains("access_token=[redacted]", StringComparison.Ordinal));
        foreach (var line in lines)
        {
            foreach (var secret in secrets)
            {
                Assert.DoesNotContain(secret, line, StringComparison.Ordinal);
            }
        }
    }

    [Fact]
    public async Task Exceptions_whose_messages_carry_a_token_are_logged_redacted()
    {
        var sink = new CapturingSink();
        await using var relay = RelayLoggingEverything(sink);
        var token = relay.TokenFor("exception-user");

        // Any component of the relay that logs an exception naming a URL with the token in it.
        var logger = relay.Services.GetRequiredService<ILogger<TokenRedactionTests>>();
        var inner = new InvalidOperationException($"Could not reach {relay.HubUrl}?access_token={token}");
#pragma warning disable CA1848 // a one-off line in a test, not a hot path
        logger.LogError(new HttpRequestException("Request failed: Authorization: Bearer " + token, inner), "Request failed");
#pragma warning restore CA1848

        // Kestrel rejecting a malformed request line that carries the token, as a buggy or hostile client might send.
        using (var tcp = new System.Net.Sockets.TcpClient())
        {
            await tcp.ConnectAsync(relay.BaseAddress.Host, relay.BaseAddress.Port).DefaultTimeout();
            var stream = tcp.GetStream();
            await stream.WriteAsync(Encoding.ASCII.GetBytes($"GET /hubs/user-events?access_token={token} EXTRA HTTP/1.1\r\nHost: x\r\n\r\n"));
            var buffer = new byte[1024];
            _ = await stream.ReadAsync(buffer).AsTask().DefaultTimeout();
        }

        await TestTimeouts.Eventually(
            () => sink.Events.Count(e => e.Exception is not null && CapturingSink.Render(e).Contains("[redacted]", StringComparison.Ordinal)) >= 2,
            "both exceptions were logged");
        var rendered = sink.Events.Where(e => e.Exception is not null).Select(CapturingSink.Render).ToArray();
        Assert.Contains(rendered, line => line.Contains("System.Net.Http.HttpRequestException", StringComparison.Ordinal) &&
                                          line.Contains("access_token=[redacted]", StringComparison.Ordinal));
        foreach (var line in rendered)
        {
            Assert.DoesNotContain(token, line, StringComparison.Ordinal);
            Assert.DoesNotContain(token.Split('.')[2], line, StringComparison.Ordinal);
        }
    }

    /// <summary>A relay that logs everything, every category at Verbose, into <paramref name="sink"/> (the console sees only Fatal).</summary>
    private RelayFactory RelayLoggingEverything(CapturingSink sink) => new(
        fixture.Reflector,
        new Dictionary<string, string?>
        {
            ["Serilog:MinimumLevel:Default"] = "Verbose",
            ["Serilog:MinimumLevel:Override:Microsoft.AspNetCore"] = "Verbose",
            ["Serilog:MinimumLevel:Override:Microsoft"] = "Verbose",
            ["Serilog:MinimumLevel:Override:System"] = "Verbose",
            ["Serilog:WriteTo:0:Name"] = "Console",
            ["Serilog:WriteTo:0:Args:restrictedToMinimumLevel"] = "Fatal",
        },
        services => services.AddSingleton<ILogEventSink>(sink));

    [Theory]
    [InlineData("GET /hubs/user-events?id=abc&access_token=SECRET.PART.X HTTP/1.1", "GET /hubs/user-events?id=abc&access_token=[redacted] HTTP/1.1")]
    [InlineData("Authorization: Bearer abc.def-ghi_jkl=", "Authorization: Bearer [redacted]")]
    [InlineData("Sec-WebSocket-Protocol: bearer, abc.def.ghi", "Sec-WebSocket-Protocol: bearer, [redacted]")]
    [InlineData("token eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJhIn0.c2ln in a message", "token [redacted] in a message")]
    [InlineData("nothing secret here", "nothing secret here")]
    public void Redact_removes_every_form_a_token_travels_in(string text, string expected) =>
        Assert.Equal(expected, TokenRedactor.Redact(text));
}
