using System.Collections.Concurrent;
using Microsoft.AspNetCore.Http.Connections;
using Microsoft.AspNetCore.SignalR.Client;
using Microsoft.AspNetCore.WebUtilities;
using Reflector.Relay.Events;

namespace Reflector.Relay.Tests.Infrastructure;

/// <summary>
/// A connected long-polling tab and its connection token, which travels in every poll's URL (and so in proxy
/// logs): what an attacker would try to poll with a token of their own.
/// </summary>
internal sealed class LongPollingTab : IAsyncDisposable
{
    private LongPollingTab(RelayClient client, string connectionToken)
    {
        Client = client;
        ConnectionToken = connectionToken;
    }

    public RelayClient Client { get; }

    public string ConnectionToken { get; }

    public static Task<LongPollingTab> ConnectAsync(Uri hubUrl, string token) => OpenAsync(hubUrl, token);

    /// <summary>A tab without a token: an anonymous viewer, which has no user stream to wait for.</summary>
    public static Task<LongPollingTab> ConnectAnonymousAsync(Uri hubUrl) => OpenAsync(hubUrl, token: null);

    private static async Task<LongPollingTab> OpenAsync(Uri hubUrl, string? token)
    {
        var requests = new ConcurrentQueue<Uri>();
        var client = new RelayClient(new HubConnectionBuilder()
            .WithUrl(hubUrl, options =>
            {
                options.Transports = HttpTransportType.LongPolling;
                options.AccessTokenProvider = () => Task.FromResult(token);
                options.HttpMessageHandlerFactory = inner => new RecordingHandler(inner, requests);
            })
            .Build());
        await client.StartAsync();
        if (token is not null)
        {
            await client.WaitForStateAsync(UpstreamState.Connected);
        }

        var connectionToken = requests
            .Select(uri => QueryHelpers.ParseQuery(uri.Query))
            .Where(query => query.ContainsKey("id"))
            .Select(query => query["id"].ToString())
            .First();
        return new LongPollingTab(client, connectionToken);
    }

    /// <summary>One poll on this tab's connection, made by someone else with <paramref name="token"/>.</summary>
    public async Task<HttpResponseMessage> PollAsAsync(Uri baseAddress, string token)
    {
        using var http = new HttpClient { BaseAddress = baseAddress };
        using var poll = new HttpRequestMessage(HttpMethod.Get, $"/hubs/user-events?id={Uri.EscapeDataString(ConnectionToken)}");
        poll.Headers.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", token);
        return await http.SendAsync(poll).DefaultTimeout();
    }

    public ValueTask DisposeAsync() => Client.DisposeAsync();

    private sealed class RecordingHandler(HttpMessageHandler inner, ConcurrentQueue<Uri> requests) : DelegatingHandler(inner)
    {
        protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            requests.Enqueue(request.RequestUri!);
            return base.SendAsync(request, cancellationToken);
        }
    }
}
