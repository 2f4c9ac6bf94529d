using System.Collections.Concurrent;
using Reflector.Relay.Events;
using Reflector.Relay.Streams;

namespace Reflector.Relay.Tests.Infrastructure;

/// <summary>Stands in for the hub when an upstream is driven directly, recording what would reach each user.</summary>
internal sealed class RecordingSink : IUserEventSink
{
    private readonly ConcurrentDictionary<string, System.Threading.Channels.Channel<object>> _byUser = new();

    public Task InvalidateAsync(string userId, InvalidateMessage message, CancellationToken cancellationToken) =>
        Write(userId, message);

    public Task UpstreamStatusAsync(string userId, UpstreamStatus status, CancellationToken cancellationToken) =>
        Write(userId, status);

    public Task UpstreamStatusToConnectionAsync(string connectionId, UpstreamStatus status, CancellationToken cancellationToken) =>
        Task.CompletedTask;

    /// <summary>Reads what reached <paramref name="userId"/> until an item matching <paramref name="match"/>.</summary>
    public async Task<T> WaitForAsync<T>(string userId, Func<T, bool>? match = null)
    {
        var reader = For(userId).Reader;
        var skipped = new List<object>();
        using var timeout = new CancellationTokenSource(TestTimeouts.Default);
        try
        {
            while (true)
            {
                var item = await reader.ReadAsync(timeout.Token);
                if (item is T typed && (match is null || match(typed)))
                {
                    return typed;
                }

                skipped.Add(item);
            }
        }
        catch (OperationCanceledException) when (timeout.IsCancellationRequested)
        {
            throw new TimeoutException($"No matching {typeof(T).Name} for {userId}; saw: {string.Join(", ", skipped)}");
        }
    }

    private Task Write(string userId, object item)
    {
        For(userId).Writer.TryWrite(item);
        return Task.CompletedTask;
    }

    private System.Threading.Channels.Channel<object> For(string userId) =>
        _byUser.GetOrAdd(userId, _ => System.Threading.Channels.Channel.CreateUnbounded<object>());
}
