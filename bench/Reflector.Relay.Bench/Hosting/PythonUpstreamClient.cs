using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using StackExchange.Redis;

namespace Reflector.Relay.Bench.Hosting;

/// <summary>
/// The Python upstream as the scenarios see it. Tokens come from the bench's own <see cref="TokenMint"/>; the load is
/// published to the user's room (<c>user:{sub}</c>) on the upstream's Redis, as Reflector's workers publish, with
/// the frame Reflector sends (<c>{"event":"TRANSCRIPT_DURATION","data":{"id":stamp,"duration":n}}</c>) and the same
/// stamp the simulated Reflector writes, taken at the PUBLISH; the socket counts come from its <c>GET /dev/stats</c>.
/// </summary>
internal sealed class PythonUpstreamClient(Uri baseAddress, TokenMint tokens, RedisServer redis) : IUpstreamApi
{
    private const string EventName = "TRANSCRIPT_DURATION";
    private static readonly TimeSpan Tick = TimeSpan.FromMilliseconds(2);
    private readonly HttpClient _http = new() { BaseAddress = baseAddress, Timeout = TimeSpan.FromSeconds(30) };

    public Task<string[]> TokensAsync(IReadOnlyList<string> users, CancellationToken cancellationToken) =>
        Task.FromResult(users.Select(user => tokens.Issue(user, TimeSpan.FromHours(4))).ToArray());

    public async Task<LoadResult> RateAsync(string runId, IReadOnlyList<string> users, double eventsPerSecond, double seconds, CancellationToken cancellationToken)
    {
        // Not awaited one by one, as the simulator's load: a slow reply must not hold back (and so hide) later events.
        var publisher = redis.Connection.GetSubscriber();
        var pending = new List<Task<long>>();
        var clock = Stopwatch.StartNew();
        var total = (long)Math.Round(eventsPerSecond * seconds);
        long sent = 0;
        using var timer = new PeriodicTimer(Tick);
        while (sent < total)
        {
            var due = Math.Min(total, (long)(eventsPerSecond * clock.Elapsed.TotalSeconds));
            for (; sent < due; sent++)
            {
                pending.Add(Publish(publisher, runId, sent, users[(int)(sent % users.Count)]));
            }

            if (sent < total && !await timer.WaitForNextTickAsync(cancellationToken))
            {
                break;
            }
        }

        return Tally(runId, sent, await Task.WhenAll(pending), clock);
    }

    public async Task<LoadResult> BurstAsync(string runId, IReadOnlyList<string> users, int rounds, int intervalMs, CancellationToken cancellationToken)
    {
        var publisher = redis.Connection.GetSubscriber();
        var receivers = new List<long>();
        var clock = Stopwatch.StartNew();
        long sent = 0;
        for (var round = 0; round < rounds; round++)
        {
            if (round > 0)
            {
                await Task.Delay(intervalMs, cancellationToken);
            }

            var publishes = new Task<long>[users.Count];
            for (var i = 0; i < users.Count; i++, sent++)
            {
                publishes[i] = Publish(publisher, runId, sent, users[i]);
            }

            receivers.AddRange(await Task.WhenAll(publishes));
        }

        return Tally(runId, sent, [.. receivers], clock);
    }

    public async Task<int> OpenSocketsAsync(CancellationToken cancellationToken) =>
        (await SocketCountsAsync(cancellationToken)).Users;

    public async Task<(int Users, int Transcripts)> SocketCountsAsync(CancellationToken cancellationToken)
    {
        using var response = await _http.GetAsync(new Uri("dev/stats", UriKind.Relative), cancellationToken);
        response.EnsureSuccessStatusCode();
        using var stats = await JsonDocument.ParseAsync(await response.Content.ReadAsStreamAsync(cancellationToken), cancellationToken: cancellationToken);
        return (stats.RootElement.GetProperty("totalOpenSockets").GetInt32(), stats.RootElement.GetProperty("transcriptOpenSockets").GetInt32());
    }

    private static Task<long> Publish(ISubscriber publisher, string runId, long sequence, string user)
    {
        var sentAtMicros = (DateTimeOffset.UtcNow - DateTimeOffset.UnixEpoch).Ticks / 10;
        var frame = string.Create(
            CultureInfo.InvariantCulture, $"{{\"event\":\"{EventName}\",\"data\":{{\"id\":\"{runId}:{sequence}:{sentAtMicros}\",\"duration\":{sequence}}}}}");
        return publisher.PublishAsync(RedisChannel.Literal("user:" + user), frame);
    }

    // PUBLISH answers with the subscribers that got the message: Reflector's API processes subscribed to the room,
    // not sockets (the simulator counts socket writes); an event no process was subscribed for is missed.
    private static LoadResult Tally(string runId, long sent, long[] receivers, Stopwatch clock) =>
        new(runId, sent, receivers.Sum(), receivers.Count(r => r == 0), clock.Elapsed.TotalSeconds);

    public void Dispose() => _http.Dispose();
}
