using Reflector.Relay.Events;
using Reflector.Relay.Streams;

namespace Reflector.Relay.Tests.Hubs;

public sealed class HubUserEventSinkTests : IAsyncDisposable
{
    private readonly HubSinkHost _host = new();

    [Fact]
    public async Task A_users_messages_reach_each_of_its_connections_under_the_contracts_method_names_and_nobody_else()
    {
        var alice1 = await _host.ConnectAsync("alice-1", "alice");
        var alice2 = await _host.ConnectAsync("alice-2", "alice");
        var bob = await _host.ConnectAsync("bob-1", "bob");
        var sink = _host.Get<IUserEventSink>();

        // Queued, never awaited on a browser: these clients read nothing until below.
        Task[] sends =
        [
            sink.UpstreamStatusAsync("alice", UpstreamStatus.Connected, CancellationToken.None),
            sink.InvalidateAsync("alice", new InvalidateMessage.TranscriptCreated("t1"), CancellationToken.None),
            sink.UpstreamStatusToConnectionAsync("alice-2", UpstreamStatus.Reconnecting(), CancellationToken.None),
            sink.InvalidateAsync("bob", new InvalidateMessage.TranscriptDeleted("t2"), CancellationToken.None),
        ];
        Assert.All(sends, send => Assert.True(send.IsCompletedSuccessfully));

        Assert.Equal(["upstreamStatus connected", "invalidate transcriptCreated t1"], await alice1.ReadMessagesAsync(2));
        Assert.Equal(
            ["upstreamStatus connected", "invalidate transcriptCreated t1", "upstreamStatus reconnecting"],
            await alice2.ReadMessagesAsync(3));
        Assert.Equal(["invalidate transcriptDeleted t2"], await bob.ReadMessagesAsync(1));
    }

    public ValueTask DisposeAsync() => _host.DisposeAsync();
}
