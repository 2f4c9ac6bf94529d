using System.Buffers;
using System.IO.Pipelines;
using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.Connections;
using Microsoft.AspNetCore.SignalR;
using Microsoft.AspNetCore.SignalR.Protocol;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Reflector.Relay.Hubs;
using Reflector.Relay.Tests.Infrastructure;

namespace Reflector.Relay.Tests.Hubs;

/// <summary>
/// A real <see cref="HubConnectionContext"/> (JSON protocol) whose transport takes a byte only when the test reads it,
/// so "the client is behind" is exact rather than a matter of socket buffer sizes: the first write waits until read.
/// </summary>
internal sealed class PipeHubConnection
{
    private readonly Pipe _toClient = new(new PipeOptions(pauseWriterThreshold: 1, resumeWriterThreshold: 1, useSynchronizationContext: false));
    private readonly Pipe _toServer = new(new PipeOptions(useSynchronizationContext: false));
    private readonly StringBuilder _pending = new();
    private readonly Queue<string> _read = new();

    public PipeHubConnection(string connectionId, string? userId = null)
    {
        var transport = new DefaultConnectionContext(
            connectionId,
            new DuplexPipe(_toServer.Reader, _toClient.Writer),
            new DuplexPipe(_toClient.Reader, _toServer.Writer));
        Context = new HubConnectionContext(
            transport,
            new HubConnectionContextOptions { KeepAliveInterval = Timeout.InfiniteTimeSpan, ClientTimeoutInterval = Timeout.InfiniteTimeSpan },
            NullLoggerFactory.Instance)
        {
            Protocol = new JsonHubProtocol(Options.Create(new JsonHubProtocolOptions())),
            UserIdentifier = userId,
        };
    }

    public HubConnectionContext Context { get; }

    public string ConnectionId => Context.ConnectionId;

    public bool Aborted => Context.ConnectionAborted.IsCancellationRequested;

    /// <summary>Reads <paramref name="count"/> invocations as "method discriminator-or-state detail".</summary>
    public async Task<List<string>> ReadMessagesAsync(int count)
    {
        while (_read.Count < count)
        {
            var result = await _toClient.Reader.ReadAsync().DefaultTimeout();
            _pending.Append(Encoding.UTF8.GetString(result.Buffer.ToArray()));
            _toClient.Reader.AdvanceTo(result.Buffer.End);

            var text = _pending.ToString();
            var end = text.LastIndexOf('\u001e');
            if (end < 0)
            {
                continue;
            }

            foreach (var frame in text[..end].Split('\u001e'))
            {
                _read.Enqueue(Describe(frame));
            }

            _pending.Clear().Append(text[(end + 1)..]);
        }

        var messages = new List<string>();
        while (messages.Count < count)
        {
            messages.Add(_read.Dequeue());
        }

        return messages;
    }

    private static string Describe(string frame)
    {
        using var json = JsonDocument.Parse(frame);
        var target = json.RootElement.GetProperty("target").GetString();
        var argument = json.RootElement.GetProperty("arguments")[0];
        return target == ClientMethods.UpstreamStatus
            ? $"{target} {argument.GetProperty("state").GetString()}"
            : argument.GetProperty("type").GetString() == "resync"
                ? $"{target} resync {argument.GetProperty("reason").GetString()}" +
                  (argument.TryGetProperty("transcriptId", out var id) ? " " + id.GetString() : "")
                : $"{target} {argument.GetProperty("type").GetString()} {argument.GetProperty("transcriptId").GetString()}";
    }

    private sealed class DuplexPipe(PipeReader input, PipeWriter output) : IDuplexPipe
    {
        public PipeReader Input { get; } = input;

        public PipeWriter Output { get; } = output;
    }
}
