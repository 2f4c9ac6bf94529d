using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Net.WebSockets;
using System.Text;

namespace Reflector.Relay.Tests.Infrastructure;

/// <summary>
/// A tab that completes SignalR's handshake and then never reads again (a frozen page, a suspended laptop): what the
/// relay writes to it piles up in socket buffers and then in the relay. With stateful reconnect it also never acks,
/// so SignalR's replay buffer holds its writes back as well.
/// </summary>
internal sealed class StalledTab : IDisposable
{
    private readonly ClientWebSocket _socket = new();

    private StalledTab()
    {
    }

    public static Task<StalledTab> OpenAsync(RelayFactory relay, string token, bool statefulReconnect) =>
        OpenAsync(relay.HubUrl, token, statefulReconnect);

    public static async Task<StalledTab> OpenAsync(Uri hubUrl, string token, bool statefulReconnect)
    {
        var tab = new StalledTab();
        tab._socket.Options.SetRequestHeader("Authorization", "Bearer " + token);
        var url = new UriBuilder(hubUrl) { Scheme = "ws" };
        if (statefulReconnect)
        {
            url.Query = "id=" + Uri.EscapeDataString(await NegotiateStatefulAsync(hubUrl, token));
        }

        await tab._socket.ConnectAsync(url.Uri, CancellationToken.None).DefaultTimeout();
        await tab._socket.SendAsync(
            Encoding.UTF8.GetBytes("{\"protocol\":\"json\",\"version\":1}\u001e"), WebSocketMessageType.Text, true, CancellationToken.None).DefaultTimeout();
        return tab;
    }

    private static async Task<string> NegotiateStatefulAsync(Uri hubUrl, string token)
    {
        using var http = new HttpClient();
        using var request = new HttpRequestMessage(
            HttpMethod.Post, new Uri(hubUrl + "/negotiate?negotiateVersion=1&useStatefulReconnect=true"));
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        using var response = await http.SendAsync(request).DefaultTimeout();
        response.EnsureSuccessStatusCode();
        var negotiated = await response.Content.ReadFromJsonAsync<NegotiateResponse>().DefaultTimeout();
        Assert.True(negotiated!.UseStatefulReconnect, "the relay offers stateful reconnect");
        return negotiated.ConnectionToken;
    }

    public void Dispose() => _socket.Dispose();

    private sealed record NegotiateResponse(string ConnectionToken, bool UseStatefulReconnect);
}
