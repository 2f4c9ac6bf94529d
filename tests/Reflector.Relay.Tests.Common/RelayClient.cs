using System.Threading.Channels;
using Microsoft.AspNetCore.SignalR.Client;
using Reflector.Relay.Events;

namespace Reflector.Relay.Tests.Common;

/// <summary>A SignalR client that records what the relay sends it, in order.</summary>
internal sealed class RelayClient : IAsyncDisposable
{
    private readonly Channel<InvalidateMessage> _messages = Channel.CreateUnbounded<InvalidateMessage>();
    private readonly Channel<UpstreamStatus> _statuses = Channel.CreateUnbounded<UpstreamStatus>();
    private readonly TaskCompletionSource<Exception?> _closed = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public RelayClient(HubConnection connection)
    {
        Connection = connection;
        connection.On<InvalidateMessage>("invalidate", message => _messages.Writer.TryWrite(message));
        connection.On<UpstreamStatus>("upstreamStatus", status => _statuses.Writer.TryWrite(status));
        connection.Closed += exception =>
        {
            _closed.TrySetResult(exception);
            return Task.CompletedTask;
        };
    }

    public HubConnection Connection { get; }

    public Task<Exception?> Closed => _closed.Task;

    public Task StartAsync() => Connection.StartAsync().DefaultTimeout();

    public async Task<InvalidateMessage> NextMessageAsync() =>
        await _messages.Reader.ReadAsync().DefaultTimeout();

    /// <summary>Every message in order, resyncs included, up to and including the first that <paramref name="isLast"/> accepts.</summary>
    public async Task<List<InvalidateMessage>> NextMessagesUntilAsync(Func<InvalidateMessage, bool> isLast)
    {
        var messages = new List<InvalidateMessage>();
        InvalidateMessage message;
        do
        {
            message = await NextMessageAsync();
            messages.Add(message);
        }
        while (!isLast(message));

        return messages;
    }

    public bool TryTakeMessage(out InvalidateMessage? message) => _messages.Reader.TryRead(out message);

    /// <summary>The next message, or <see langword="null"/> when none arrives within <paramref name="wait"/>.</summary>
    public async Task<InvalidateMessage?> NextMessageWithinAsync(TimeSpan wait)
    {
        using var timeout = new CancellationTokenSource(wait);
        try
        {
            return await _messages.Reader.ReadAsync(timeout.Token);
        }
        catch (OperationCanceledException) when (timeout.IsCancellationRequested)
        {
            return null;
        }
    }

    public async Task<UpstreamStatus> NextStatusAsync() => await _statuses.Reader.ReadAsync().DefaultTimeout();

    /// <summary>Reads statuses until one in <paramref name="state"/> arrives, returning those seen on the way.</summary>
    public async Task<List<UpstreamStatus>> WaitForStateAsync(UpstreamState state)
    {
        var seen = new List<UpstreamStatus>();
        while (true)
        {
            var status = await NextStatusAsync();
            seen.Add(status);
            if (status.State == state)
            {
                return seen;
            }
        }
    }

    public async ValueTask DisposeAsync() => await Connection.DisposeAsync();
}
