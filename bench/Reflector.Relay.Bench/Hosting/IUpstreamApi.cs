namespace Reflector.Relay.Bench.Hosting;

/// <summary>
/// What every scenario asks of the upstream (Reflector's API): tokens for the users, a stamped load of user events,
/// and the sockets it holds. The simulated Reflector answers through its dev endpoints (<see cref="SimulatorClient"/>);
/// the Python upstream through the bench, which mints the tokens and publishes the load to Redis as Reflector's
/// workers do (<see cref="PythonUpstreamClient"/>).
/// </summary>
internal interface IUpstreamApi : IDisposable
{
    Task<string[]> TokensAsync(IReadOnlyList<string> users, CancellationToken cancellationToken);

    /// <summary>Event n to <c>users[n % users.Count]</c>, paced to <paramref name="eventsPerSecond"/> for <paramref name="seconds"/>.</summary>
    Task<LoadResult> RateAsync(string runId, IReadOnlyList<string> users, double eventsPerSecond, double seconds, CancellationToken cancellationToken);

    /// <summary>Every round one event to every user at the same instant, <paramref name="intervalMs"/> between rounds.</summary>
    Task<LoadResult> BurstAsync(string runId, IReadOnlyList<string> users, int rounds, int intervalMs, CancellationToken cancellationToken);

    /// <summary>Sockets open on the upstream's <c>/v1/events</c>: the upstream sockets, for every system.</summary>
    Task<int> OpenSocketsAsync(CancellationToken cancellationToken);

    /// <summary>Sockets open on <c>/v1/events</c> (users) and on <c>/v1/transcripts/{id}/events</c>.</summary>
    Task<(int Users, int Transcripts)> SocketCountsAsync(CancellationToken cancellationToken);
}
