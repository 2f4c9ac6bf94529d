using System.Globalization;
using Reflector.Relay.Bench.Hosting;
using Reflector.Relay.Bench.Measurement;

namespace Reflector.Relay.Bench.Clients;

/// <summary>
/// The tabs of the transcripts scenario: users "u0", "u1", … with a fixed number of tabs each, every tab of
/// user u on transcript u mod the number of transcripts (so the relay can share one stream per user). Keeps
/// SignalR tabs alive with pings, and aborts every tab on dispose.
/// </summary>
internal sealed class TranscriptFleet : IAsyncDisposable
{
    private static readonly TimeSpan SubscribeTimeout = TimeSpan.FromSeconds(30);

    private readonly SystemUnderTest _system;
    private readonly SourceAddresses _sources;
    private readonly IReadOnlyList<string> _transcripts;
    private readonly TranscriptTab?[] _tabs;
    private readonly TabPings _pings;

    public TranscriptFleet(SystemUnderTest system, SourceAddresses sources, IReadOnlyList<string> transcripts, int users, int tabsPerUser)
    {
        _system = system;
        _sources = sources;
        _transcripts = transcripts;
        TabsPerUser = tabsPerUser;
        Users = [.. Enumerable.Range(0, users).Select(i => string.Create(CultureInfo.InvariantCulture, $"u{i}"))];
        _tabs = new TranscriptTab?[users * tabsPerUser];
        _pings = new TabPings(() => _tabs);
    }

    public TranscriptRecorder Recorder { get; } = new();

    public IReadOnlyList<string> Users { get; }

    public int TabsPerUser { get; }

    public int TabCount => _tabs.Length;

    /// <summary>The index, in the scenario's transcript list, of the transcript a tab follows.</summary>
    public int TranscriptOf(int tab) => tab / TabsPerUser % _transcripts.Count;

    /// <summary>Which tabs connected (and, for the relay, subscribed), by index.</summary>
    public bool[] Connected() => [.. _tabs.Select(tab => tab is not null)];

    /// <summary>Connects every tab, at most <paramref name="concurrency"/> at a time, then starts the relay tabs' pings.</summary>
    public async Task<ConnectOutcome> ConnectAsync(int concurrency, CancellationToken cancellationToken)
    {
        var tokens = await _system.UpstreamApi.TokensAsync(Users, cancellationToken);
        var tally = await TabConnector.ConnectAllAsync(Enumerable.Range(0, _tabs.Length), concurrency, async (index, _, _) =>
        {
            var transcript = _transcripts[TranscriptOf(index)];
            _tabs[index] = await TranscriptTab.ConnectAsync(
                index, _system.Protocol, _system.TranscriptClientUrl(transcript, index, TabsPerUser), transcript, tokens[index / TabsPerUser],
                _sources.For(index), Recorder, SubscribeTimeout, cancellationToken);
        }, cancellationToken);

        tally.ThrowIfRefused();
        if (_system.Protocol.IsRelay())
        {
            _pings.Start();
        }

        return tally.Outcome(_tabs.Length);
    }

    public async ValueTask DisposeAsync()
    {
        await _pings.DisposeAsync();
        await Task.WhenAll(_tabs.Where(tab => tab is not null).Select(tab => tab!.DisposeAsync().AsTask()));
    }
}
