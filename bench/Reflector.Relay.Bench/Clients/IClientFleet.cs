using Reflector.Relay.Bench.Measurement;

namespace Reflector.Relay.Bench.Clients;

/// <summary>
/// The browser tabs of one scenario, wherever they run: users "u0", "u1", … with a fixed number of tabs each
/// (tab t belongs to user t / tabsPerUser), held in this process (<see cref="TabFleet"/>) or spread over client
/// worker processes (<see cref="Workers.WorkerFleet"/>).
/// </summary>
internal interface IClientFleet : IAsyncDisposable
{
    int TabsPerUser { get; }

    IReadOnlyList<string> Users { get; }

    int TabCount { get; }

    /// <summary>Adds <paramref name="users"/> users and connects all their tabs, at most <paramref name="concurrency"/> at a time in all.</summary>
    Task<ConnectOutcome> AddUsersAsync(int users, int concurrency, CancellationToken cancellationToken);

    /// <summary>Which tabs connected, by index.</summary>
    Task<bool[]> ConnectedAsync(CancellationToken cancellationToken);

    Task<int> OpenTabsAsync(CancellationToken cancellationToken);

    /// <summary>Starts recording the events of run <paramref name="runId"/>; any earlier recording ends.</summary>
    Task BeginAsync(string runId, long expectedDeliveries, CancellationToken cancellationToken);

    /// <summary>Deliveries recorded so far in the current run.</summary>
    Task<long> DeliveredAsync(CancellationToken cancellationToken);

    /// <summary>Ends the current run: what every tab recorded.</summary>
    Task<IReadOnlyList<RecordingPart>> EndAsync(CancellationToken cancellationToken);
}
