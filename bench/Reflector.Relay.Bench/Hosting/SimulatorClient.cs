using System.Net.Http.Json;
using System.Text.Json;

namespace Reflector.Relay.Bench.Hosting;

/// <summary>The simulated Reflector's dev endpoints: tokens, load, and its socket count.</summary>
internal sealed class SimulatorClient(Uri baseAddress) : IDisposable
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
        await LoadAsync(new { runId, users, mode = "rate", eventsPerSecond, seconds }, cancellationToken);

    public async Task<LoadResult> BurstAsync(string runId, IReadOnlyList<string> users, int rounds, int intervalMs, CancellationToken cancellationToken) =>
        await LoadAsync(new { runId, users, mode = "burst", rounds, intervalMs }, cancellationToken);

    /// <summary>Sockets open on the simulated Reflector: the upstream sockets, for every system.</summary>
    public async Task<int> OpenSocketsAsync(CancellationToken cancellationToken)
    {
        using var response = await _http.GetAsync(new Uri("dev/stats", UriKind.Relative), cancellationToken);
        response.EnsureSuccessStatusCode();
        using var stats = await JsonDocument.ParseAsync(await response.Content.ReadAsStreamAsync(cancellationToken), cancellationToken: cancellationToken);
        return stats.RootElement.GetProperty("totalOpenSockets").GetInt32();
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

internal sealed record LoadResult(string RunId, long Sent, long Delivered, long Missed, double Seconds);
