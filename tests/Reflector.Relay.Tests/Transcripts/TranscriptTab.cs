using System.Threading.Channels;
using Microsoft.AspNetCore.SignalR.Client;
using Reflector.Relay.Events;
using Reflector.Relay.Tests.Infrastructure;

namespace Reflector.Relay.Tests.Transcripts;

/// <summary>A browser tab following transcripts over its relay connection: records every <c>transcriptEvent</c> in order.</summary>
internal sealed class TranscriptTab : IAsyncDisposable
{
    private readonly Channel<TranscriptEventMessage> _events = Channel.CreateUnbounded<TranscriptEventMessage>();

    private TranscriptTab(RelayClient client)
    {
        Client = client;
        client.Connection.On<TranscriptEventMessage>("transcriptEvent", message => _events.Writer.TryWrite(message));
    }

    public RelayClient Client { get; }

    public static Task<TranscriptTab> OpenAsync(RelayFactory relay, string userId, bool usesMessagePack = false) =>
        OpenAsync(relay.CreateClient(relay.TokenFor(userId), usesMessagePack: usesMessagePack));

    /// <summary>Starts <paramref name="client"/>, created but not started, as a tab that follows transcripts.</summary>
    public static async Task<TranscriptTab> OpenAsync(RelayClient client)
    {
        var tab = new TranscriptTab(client);
        await tab.Client.StartAsync();
        return tab;
    }

    public Task SubscribeAsync(string transcriptId) =>
        Client.Connection.InvokeAsync("SubscribeTranscript", transcriptId).DefaultTimeout();

    public Task UnsubscribeAsync(string transcriptId) =>
        Client.Connection.InvokeAsync("UnsubscribeTranscript", transcriptId).DefaultTimeout();

    public async Task<TranscriptEventMessage> NextAsync() => await _events.Reader.ReadAsync().DefaultTimeout();

    /// <summary>The next <paramref name="count"/> events, in the order they arrived.</summary>
    public async Task<List<TranscriptEventMessage>> NextAsync(int count)
    {
        var events = new List<TranscriptEventMessage>(count);
        for (var i = 0; i < count; i++)
        {
            events.Add(await NextAsync());
        }

        return events;
    }

    /// <summary>Whatever has arrived and not been read yet.</summary>
    public List<TranscriptEventMessage> Pending()
    {
        var pending = new List<TranscriptEventMessage>();
        while (_events.Reader.TryRead(out var message))
        {
            pending.Add(message);
        }

        return pending;
    }

    public ValueTask DisposeAsync() => Client.DisposeAsync();
}
