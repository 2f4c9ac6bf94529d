using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using Microsoft.AspNetCore.SignalR.Client;
using Reflector.Relay.Events;
using Xunit.Abstractions;

namespace Reflector.Relay.FunctionalTests.Security;

/// <summary>
/// A hostile client with one valid token sprays made-up connection ids at a relay running as its own process:
/// every request is answered, and the relay keeps nothing for them.
/// </summary>
public sealed class ConnectionTokenSprayTests(ReflectorFixture fixture, ITestOutputHelper output) : IClassFixture<ReflectorFixture>, IDisposable
{
    private const int Sprayed = 20_000;
    private const int IdLength = 6_000;
    private const int Senders = 8;

    // Every request carries a fresh 6,000-character id; storing them at all would hold 6 KB or more each. The
    // bound leaves room for the GC's own headroom, far below what storing them would take (about 250 MB).
    private const long AllowedGrowthBytes = 48L * 1024 * 1024;

    private readonly string _publicKeyFile = WritePublicKey(fixture);

    [Fact]
    public async Task Twenty_thousand_made_up_connection_ids_leave_the_relays_memory_and_bindings_flat()
    {
        using var relay = new RelayProcess(new Dictionary<string, string?>
        {
            ["Upstream__EventsUrl"] = fixture.Reflector.EventsUrl.ToString(),
            ["Authentication__Jwt__PublicKeyFile"] = _publicKeyFile,
            ["Authentication__Jwt__Audience"] = fixture.Reflector.Audience,
            // The spray is to reach the binding check, not to stop at the rate limit in front of it.
            ["Limits__NegotiationsPerUserPerMinute"] = "1000000",
        });
        var address = await relay.Listening.DefaultTimeout();
        var userId = "spray-" + Guid.NewGuid().ToString("N");
        var token = fixture.Reflector.IssueToken(userId, TimeSpan.FromHours(1));
        await using var tab = new RelayClient(new HubConnectionBuilder()
            .WithUrl(new Uri(address, "/hubs/user-events"), options => options.AccessTokenProvider = () => Task.FromResult<string?>(token))
            .Build());
        await tab.StartAsync();
        await tab.WaitForStateAsync(UpstreamState.Connected);
        using var http = new HttpClient { BaseAddress = address };

        // A first round warms the server (JIT, pools, Kestrel's buffers) so the measured round shows only what stays.
        Assert.All(await SprayAsync(http, token, Sprayed / 10), status => Assert.Equal(HttpStatusCode.NotFound, status));
        var before = ResidentBytes(relay.Id);

        var statuses = await SprayAsync(http, token, Sprayed);
        var after = ResidentBytes(relay.Id);

        Assert.All(statuses, status => Assert.Equal(HttpStatusCode.NotFound, status));
        var scrape = await PrometheusScrape.FromAsync(http, new Uri(address, "/metrics"));
        Assert.Equal(1, scrape.Value("reflector_relay_connection_bindings"));
        output.WriteLine($"resident memory {before / 1024 / 1024} MiB before, {after / 1024 / 1024} MiB after {Sprayed} made-up ids");
        Assert.True(after - before < AllowedGrowthBytes, $"resident memory grew by {(after - before) / 1024 / 1024} MiB over {Sprayed} made-up ids");

        // The tab that was there all along is unharmed.
        await fixture.Reflector.EmitAsync(userId, "TRANSCRIPT_CREATED", new { id = "still-here" });
        Assert.Equal(new InvalidateMessage.TranscriptCreated("still-here"), await tab.NextMessageAsync());
    }

    public void Dispose() => File.Delete(_publicKeyFile);

    private static async Task<HttpStatusCode[]> SprayAsync(HttpClient http, string token, int count)
    {
        var statuses = new HttpStatusCode[count];
        var next = -1;
        await Task.WhenAll(Enumerable.Range(0, Senders).Select(async _ =>
        {
            for (var i = Interlocked.Increment(ref next); i < count; i = Interlocked.Increment(ref next))
            {
                using var request = new HttpRequestMessage(HttpMethod.Get, "/hubs/user-events?id=" + RandomId());
                request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
                using var response = await http.SendAsync(request);
                statuses[i] = response.StatusCode;
            }
        })).WaitAsync(TimeSpan.FromMinutes(3));
        return statuses;
    }

    private static string RandomId() => string.Create(IdLength, 0, static (span, _) =>
    {
        const string alphabet = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";
        for (var i = 0; i < span.Length; i++)
        {
            span[i] = alphabet[Random.Shared.Next(alphabet.Length)];
        }
    });

    private static long ResidentBytes(int processId)
    {
        var line = File.ReadLines($"/proc/{processId.ToString(CultureInfo.InvariantCulture)}/status").First(line => line.StartsWith("VmRSS:", StringComparison.Ordinal));
        return long.Parse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1], CultureInfo.InvariantCulture) * 1024;
    }

    private static string WritePublicKey(ReflectorFixture fixture)
    {
        var path = Path.GetTempFileName();
        File.WriteAllText(path, fixture.Reflector.PublicKeyPem);
        return path;
    }
}
