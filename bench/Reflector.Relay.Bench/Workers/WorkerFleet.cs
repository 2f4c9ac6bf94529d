using System.Diagnostics;
using System.Globalization;
using Reflector.Relay.Bench.Clients;
using Reflector.Relay.Bench.Hosting;
using Reflector.Relay.Bench.Measurement;

namespace Reflector.Relay.Bench.Workers;

/// <summary>
/// A fleet of tabs spread over several client worker processes, so no one process holds more sockets than its
/// open-file limit allows: user u's tabs all live in worker u mod N. The bench fetches the tokens and keeps
/// the count; the workers connect, read, record, and send back what they recorded.
/// </summary>
internal sealed class WorkerFleet : IClientFleet
{
    private static readonly TimeSpan ShortRequest = TimeSpan.FromSeconds(30);
    private static readonly TimeSpan ConnectRequest = TimeSpan.FromMinutes(5);

    private readonly SystemUnderTest _system;
    private readonly WorkerProcess[] _workers;
    private readonly int _sourceBlock;
    private readonly int _mostConnections;
    private readonly int _connectionsPerAddress;
    private readonly List<string> _users = [];
    private readonly List<bool> _connected = [];

    public WorkerFleet(SystemUnderTest system, int processes, int tabsPerUser, int sourceBlock, int mostConnections, int connectionsPerAddress)
    {
        _system = system;
        TabsPerUser = tabsPerUser;
        _sourceBlock = sourceBlock;
        _mostConnections = mostConnections;
        _connectionsPerAddress = connectionsPerAddress;
        _workers = [.. Enumerable.Range(0, processes).Select(WorkerProcess.Start)];
    }

    public int TabsPerUser { get; }

    public IReadOnlyList<string> Users => _users;

    public int TabCount => _connected.Count;

    public async Task<ConnectOutcome> AddUsersAsync(int users, int concurrency, CancellationToken cancellationToken)
    {
        var firstUser = _users.Count;
        var newUsers = Enumerable.Range(firstUser, users).Select(i => string.Create(CultureInfo.InvariantCulture, $"u{i}")).ToArray();
        var tokens = await _system.UpstreamApi.TokensAsync(newUsers, cancellationToken);
        var firstTab = _connected.Count;
        _users.AddRange(newUsers);
        _connected.AddRange(Enumerable.Repeat(true, users * TabsPerUser));

        var clock = Stopwatch.StartNew();
        var replies = await Task.WhenAll(_workers.Select(worker =>
        {
            var mine = Enumerable.Range(0, users).Where(u => (firstUser + u) % _workers.Length == worker.Number).ToArray();
            int[] tabs = [.. mine.SelectMany(u => Enumerable.Range(firstTab + (u * TabsPerUser), TabsPerUser))];
            var request = new WorkerRequest("connect")
            {
                Protocol = _system.Protocol,
                Tabs = tabs,
                Urls = [.. tabs.Select(tab => _system.ClientUrlFor(tab, TabsPerUser))],
                Tokens = [.. mine.SelectMany(u => Enumerable.Repeat(tokens[u], TabsPerUser))],
                Concurrency = Math.Max(1, concurrency / _workers.Length),
                SourceBlock = _sourceBlock,
                MostConnections = _mostConnections,
                ConnectionsPerAddress = _connectionsPerAddress,
            };
            return worker.RequestAsync(request, ConnectRequest, cancellationToken);
        }));

        if (replies.FirstOrDefault(reply => reply.Refused) is { } refused)
        {
            throw new HandshakeRefusedException(refused.FirstError ?? "handshake refused");
        }

        foreach (var tab in replies.SelectMany(reply => reply.FailedTabs))
        {
            _connected[tab] = false;
        }

        var failed = replies.Sum(reply => reply.FailedTabs.Length);
        return new ConnectOutcome(replies.Sum(reply => reply.Connected), failed, clock.Elapsed.TotalSeconds, replies.Select(reply => reply.FirstError).FirstOrDefault(e => e is not null));
    }

    public Task<bool[]> ConnectedAsync(CancellationToken cancellationToken) => Task.FromResult(_connected.ToArray());

    public async Task<int> OpenTabsAsync(CancellationToken cancellationToken) =>
        (await AllAsync(new WorkerRequest("open"), cancellationToken)).Sum(reply => reply.Open);

    public Task BeginAsync(string runId, long expectedDeliveries, CancellationToken cancellationToken) =>
        AllAsync(new WorkerRequest("begin") { RunId = runId, TabCount = TabCount, ExpectedDeliveries = expectedDeliveries }, cancellationToken);

    public async Task<long> DeliveredAsync(CancellationToken cancellationToken) =>
        (await AllAsync(new WorkerRequest("delivered"), cancellationToken)).Sum(reply => reply.Delivered);

    public async Task<IReadOnlyList<RecordingPart>> EndAsync(CancellationToken cancellationToken) =>
        [.. (await AllAsync(new WorkerRequest("end"), cancellationToken)).Select(reply => reply.Part).OfType<RecordingPart>()];

    private Task<WorkerReply[]> AllAsync(WorkerRequest request, CancellationToken cancellationToken) =>
        Task.WhenAll(_workers.Select(worker => worker.RequestAsync(request, ShortRequest, cancellationToken)));

    public async ValueTask DisposeAsync() =>
        await Task.WhenAll(_workers.Select(worker => worker.DisposeAsync().AsTask()));
}
