using System.Net.Http.Json;
using System.Text.Json;

namespace Reflector.Relay.Bench.Hosting;

/// <summary>
/// The simulated Reflector's dev endpoints: tokens, load, drops, and its socket count. Loads are always stamped:
/// each event's id is <c>{runId}:{sequence}:{sentAtMicros}</c> (<see cref="Clients.LoadStamp"/>).
/// </summary>
internal sealed class SimulatorClient(Uri baseAddress) : IUpstreamApi
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);
    private readonly HttpClient _http = new() { BaseAddress = baseAddress, Timeout = TimeSpan.FromMinutes(10) };

    public async Task<string[]> TokensAsync(IReadOnlyList<string> users, CancellationToken cancellationToken)
    {
        var tokens = new List<string>(users.Count);
        foreach (var chunk in users.Chunk(2_000))
        {
            using var response = await _http.PostAsJsonAsync("dev/tokens/bulk", new { subs = chunk, ttlSeconds = 4 * 3600 }, Json, cancellationToken);
            response.EnsureSuccessStatusCode();
            var body = await response.Content.ReadFromJsonAsync<TokensResponse>(Json, cancellationToken);
            tokens.AddRange(body!.Tokens);
        }

        return [.. tokens];
    }

    public async Task<LoadResult> RateAsync(string runId, IReadOnlyList<string> users, double eventsPerSecond, double seconds, CancellationToken cancellationToken) =>
        await LoadAsync(new { runId, users, mode = "rate", eventsPerSecond, seconds, stamp = true }, cancellationToken);

    public async Task<LoadResult> BurstAsync(string runId, IReadOnlyList<string> users, int rounds, int intervalMs, CancellationToken cancellationToken) =>
        await LoadAsync(new { runId, users, mode = "burst", rounds, intervalMs, stamp = true }, cancellationToken);

    /// <summary>Aborts every socket open on the simulated Reflector (its <c>POST /dev/drop</c>); returns how many there were.</summary>
    public async Task<int> DropAllAsync(CancellationToken cancellationToken)
    {
        using var response = await _http.PostAsync(new Uri("dev/drop", UriKind.Relative), content: null, cancellationToken);
        response.EnsureSuccessStatusCode();
        using var body = await JsonDocument.ParseAsync(await response.Content.ReadAsStreamAsync(cancellationToken), cancellationToken: cancellationToken);
        return body.RootElement.GetProperty("dropped").GetInt32();
    }

    /// <summary>Sockets open on the simulated Reflector: the upstream sockets, for every system.</summary>
    public async Task<int> OpenSocketsAsync(CancellationToken cancellationToken)
    {
        using var response = await _http.GetAsync(new Uri("dev/stats", UriKind.Relative), cancellationToken);
        response.EnsureSuccessStatusCode();
        using var stats = await JsonDocument.ParseAsync(await response.Content.ReadAsStreamAsync(cancellationToken), cancellationToken: cancellationToken);
        return stats.RootElement.GetProperty("totalOpenSockets").GetInt32();
    }

    /// <summary>Sockets open on the simulated Reflector: to <c>/v1/events</c> (users) and to <c>/v1/transcripts/{id}/events</c>.</summary>
    public async Task<(int Users, int Transcripts)> SocketCountsAsync(CancellationToken cancellationToken)
    {
        using var response = await _http.GetAsync(new Uri("dev/stats", UriKind.Relative), cancellationToken);
        response.EnsureSuccessStatusCode();
        using var stats = await JsonDocument.ParseAsync(await response.Content.ReadAsStreamAsync(cancellationToken), cancellationToken: cancellationToken);
        return (stats.RootElement.GetProperty("totalOpenSockets").GetInt32(), stats.RootElement.GetProperty("transcriptOpenSockets").GetInt32());
    }

    /// <summary>Creates a transcript anyone may follow (<c>POST /dev/transcripts</c>); returns its id.</summary>
    public async Task<string> CreatePublicTranscriptAsync(CancellationToken cancellationToken)
    {
        using var response = await _http.PostAsJsonAsync("dev/transcripts", new { shareMode = "public" }, Json, cancellationToken);
        response.EnsureSuccessStatusCode();
        using var body = await JsonDocument.ParseAsync(await response.Content.ReadAsStreamAsync(cancellationToken), cancellationToken: cancellationToken);
        return body.RootElement.GetProperty("id").GetString()!;
    }

    /// <summary>
    /// A live meeting on one transcript (<c>POST /dev/transcripts/{id}/load</c>), stamped with <paramref name="runId"/>;
    /// returns once every event is written.
    /// </summary>
    public async Task<TranscriptLoadResult> TranscriptLoadAsync(
        string transcriptId, string runId, double eventsPerSecond, double seconds, int topicSegments, CancellationToken cancellationToken)
    {
        using var response = await _http.PostAsJsonAsync(
            $"dev/transcripts/{Uri.EscapeDataString(transcriptId)}/load", new { eventsPerSecond, seconds, runId, topicSegments }, Json, cancellationToken);
        response.EnsureSuccessStatusCode();
        return (await response.Content.ReadFromJsonAsync<TranscriptLoadResult>(Json, cancellationToken))!;
    }

    /// <summary>Sockets open on one transcript, per signed-in user (<c>GET /dev/transcripts/{id}/stats</c>).</summary>
    public async Task<IReadOnlyDictionary<string, int>> TranscriptSocketsByUserAsync(string transcriptId, CancellationToken cancellationToken)
    {
        using var response = await _http.GetAsync(new Uri($"dev/transcripts/{Uri.EscapeDataString(transcriptId)}/stats", UriKind.Relative), cancellationToken);
        response.EnsureSuccessStatusCode();
        using var stats = await JsonDocument.ParseAsync(await response.Content.ReadAsStreamAsync(cancellationToken), cancellationToken: cancellationToken);
        return stats.RootElement.GetProperty("openSocketsByUser").EnumerateObject().ToDictionary(user => user.Name, user => user.Value.GetInt32());
    }

    private async Task<LoadResult> LoadAsync(object request, CancellationToken cancellationToken)
    {
        using var response = await _http.PostAsJsonAsync("dev/load", request, Json, cancellationToken);
        response.EnsureSuccessStatusCode();
        return (await response.Content.ReadFromJsonAsync<LoadResult>(Json, cancellationToken))!;
    }

    public void Dispose() => _http.Dispose();

    private sealed record TokensResponse(string[] Tokens);
}

internal sealed record TranscriptLoadResult(string TranscriptId, long Sent, long Delivered, double Seconds);

internal sealed record LoadResult(string RunId, long Sent, long Delivered, long Missed, double Seconds);
