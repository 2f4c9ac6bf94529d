using System.Text.Json;
using Microsoft.AspNetCore.SignalR.Protocol;

namespace Reflector.Relay.Bench.Clients;

/// <summary>
/// One browser tab on a transcript page: for <c>direct</c> and <c>yarp</c> its own WebSocket to
/// <c>/v1/transcripts/{id}/events</c> offering <c>bearer</c> and the token, as Reflector's frontend does; for
/// the relay a SignalR connection (through SignalR's protocol packages, <see cref="HubWire"/>, as <see cref="Tab"/>) that calls
/// <c>SubscribeTranscript</c> and reads <c>transcriptEvent</c>.
/// </summary>
internal sealed class TranscriptTab : IPingedTab, ITabReader
{
    // TOPIC events run to several KB; the buffer doubles for anything larger.
    private const int InitialBufferBytes = 8192;

    private static readonly Action<HubMessage, TranscriptTab> ReadHubMessage = static (message, tab) => tab.Read(TranscriptFrames.ReadHubMessage(message));

    private readonly TabSocket _socket;
    private readonly ITranscriptListener _listener;
    private readonly TaskCompletionSource<string?> _subscribed = new(TaskCreationOptions.RunContinuationsAsynchronously);

    private TranscriptTab(int index, TabSocket socket, ITranscriptListener listener)
    {
        Index = index;
        _socket = socket;
        _listener = listener;
    }

    public int Index { get; }

    public bool IsOpen => _socket.IsOpen;

    /// <summary>
    /// Connects and, for the relay, subscribes: returns once the relay has answered <c>SubscribeTranscript</c>
    /// (its history queued before the answer), or once Reflector accepted the socket.
    /// </summary>
    /// <param name="url">The transcript's own events URL, or the relay's hub.</param>
    public static async Task<TranscriptTab> ConnectAsync(
        int index, TabProtocol protocol, Uri url, string transcriptId, string token, ClientInvokers invoker,
        ITranscriptListener listener, TimeSpan subscribeTimeout, CancellationToken cancellationToken)
    {
        var socket = await TabSocket.ConnectAsync(protocol, url, token, invoker, InitialBufferBytes, cancellationToken);
        var tab = new TranscriptTab(index, socket, listener);
        socket.StartReceiving(tab);
        if (socket.Wire is not { } wire)
        {
            return tab;
        }

        try
        {
            await socket.SendAsync(wire.Invocation("1", "SubscribeTranscript", transcriptId), cancellationToken);
            if (await tab._subscribed.Task.WaitAsync(subscribeTimeout, cancellationToken) is { } refusal)
            {
                throw new InvalidOperationException($"SubscribeTranscript failed: {refusal}");
            }

            return tab;
        }
        catch
        {
            await tab.DisposeAsync();
            throw;
        }
    }

    public Task PingAsync(CancellationToken cancellationToken) => _socket.PingAsync(cancellationToken);

    public ValueTask DisposeAsync() => _socket.DisposeAsync();

    void ITabReader.ReadReflectorFrame(ReadOnlySpan<byte> frame)
    {
        if (frame.IsEmpty)
        {
            return;
        }

        try
        {
            Read(TranscriptFrames.ReadReflector(frame));
        }
        catch (Exception exception) when (IsUnreadable(exception))
        {
            _listener.Unreadable();
        }
    }

    int ITabReader.ReadHubMessages(ReadOnlyMemory<byte> buffered)
    {
        try
        {
            return _socket.Wire!.ReadMessages(buffered, this, ReadHubMessage);
        }
        catch (Exception exception) when (IsUnreadable(exception))
        {
            // Nothing after a message the protocol could not read can be framed either.
            _listener.Unreadable();
            return buffered.Length;
        }
    }

    void ITabReader.Closed() => _subscribed.TrySetResult("the connection closed");

    private static bool IsUnreadable(Exception exception) =>
        exception is JsonException or InvalidDataException or MessagePack.MessagePackSerializationException or InvalidOperationException;

    private void Read(TranscriptFrames.Frame frame)
    {
        if (frame.CompletedInvocation is not null)
        {
            _subscribed.TrySetResult(frame.Error);
        }
        else if (frame.Kind is { } kind)
        {
            _listener.Received(Index, kind, frame.Stamp);
        }
    }
}
