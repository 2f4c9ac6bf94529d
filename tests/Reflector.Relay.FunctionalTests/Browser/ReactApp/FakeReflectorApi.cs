using System.Collections.Concurrent;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.FileProviders;
using Microsoft.Extensions.Hosting;
using Reflector.Simulator;

namespace Reflector.Relay.FunctionalTests.Browser.ReactApp;

/// <summary>
/// The page's own origin on 127.0.0.1: the bundled React app as static files, and the part of Reflector's REST API it
/// reads (transcript search, one transcript, its topics, waveform and participants), counting every API request by
/// path. Tokens for the app's sign-in come from the simulated Reflector, so the relay accepts them.
/// </summary>
internal sealed class FakeReflectorApi : IAsyncDisposable
{
    public const string SearchPath = "/v1/transcripts/search";

    private readonly WebApplication _app;
    private readonly ConcurrentDictionary<string, int> _requests = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, FakeTranscript> _transcripts = new(StringComparer.Ordinal);
    private readonly ConcurrentQueue<string> _tokens = new();

    private FakeReflectorApi(string appFolder, SimulatedReflector reflector)
    {
        var builder = WebApplication.CreateEmptyBuilder(new WebApplicationOptions
        {
            ApplicationName = typeof(FakeReflectorApi).Assembly.GetName().Name,
            ContentRootPath = appFolder,
            EnvironmentName = Environments.Production,
        });
        builder.WebHost.UseKestrelCore().UseUrls("http://127.0.0.1:0");
        builder.Services.AddRoutingCore();
        _app = builder.Build();

        _app.Use(async (context, next) =>
        {
            var path = context.Request.Path.Value ?? "";
            if (path.StartsWith("/v1/", StringComparison.Ordinal))
            {
                _requests.AddOrUpdate(path, 1, (_, count) => count + 1);
            }

            context.Response.Headers.CacheControl = "no-store";
            await next(context);
        });
        var files = new PhysicalFileProvider(appFolder);
        _app.UseDefaultFiles(new DefaultFilesOptions { FileProvider = files });
        _app.UseStaticFiles(new StaticFileOptions { FileProvider = files });

        _app.MapPost("/test/tokens", (string user) =>
        {
            var token = reflector.IssueToken(user, TimeSpan.FromHours(1));
            _tokens.Enqueue(token);
            return Results.Json(new { token });
        });
        _app.MapGet(SearchPath, () =>
        {
            var results = _transcripts.Values.OrderBy(t => t.Id, StringComparer.Ordinal).Select(Json).ToList();
            return Results.Json(new { results, total = results.Count, limit = 20, offset = 0 });
        });
        _app.MapGet("/v1/transcripts/{id}", (string id) => Find(id, Json));
        _app.MapGet("/v1/transcripts/{id}/topics", (string id) => Find(id, _ => Array.Empty<object>()));
        _app.MapGet("/v1/transcripts/{id}/audio/waveform", (string id) => Find(id, t => new { data = t.Waveform }));
        _app.MapGet("/v1/transcripts/{id}/participants", (string id) => Find(id, _ => Array.Empty<object>()));
    }

    public static async Task<FakeReflectorApi> StartAsync(string appFolder, SimulatedReflector reflector)
    {
        var api = new FakeReflectorApi(appFolder, reflector);
        await api._app.StartAsync().DefaultTimeout();
        return api;
    }

    public Uri BaseAddress => new(_app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First() + "/");

    /// <summary>The page's origin, as the relay's <c>Cors:AllowedOrigins</c> must list it.</summary>
    public string Origin => BaseAddress.GetLeftPart(UriPartial.Authority);

    /// <summary>Every token handed to the app, in order.</summary>
    public IReadOnlyList<string> TokensIssued => [.. _tokens];

    public static string TranscriptPath(string transcriptId) => $"/v1/transcripts/{transcriptId}";

    public static string TopicsPath(string transcriptId) => $"/v1/transcripts/{transcriptId}/topics";

    public static string WaveformPath(string transcriptId) => $"/v1/transcripts/{transcriptId}/audio/waveform";

    public static string ParticipantsPath(string transcriptId) => $"/v1/transcripts/{transcriptId}/participants";

    /// <summary>The four requests Reflector's pages make for one transcript.</summary>
    public static string[] TranscriptPaths(string transcriptId) =>
        [TranscriptPath(transcriptId), TopicsPath(transcriptId), WaveformPath(transcriptId), ParticipantsPath(transcriptId)];

    public void PutTranscript(string id, string title, string status = "ended") =>
        _transcripts[id] = new FakeTranscript(id, title, status, []);

    /// <summary>API requests so far, by path.</summary>
    public Dictionary<string, int> Requests() => new(_requests, StringComparer.Ordinal);

    public int TotalRequests => _requests.Values.Sum();

    private static object Json(FakeTranscript transcript) =>
        new { id = transcript.Id, title = transcript.Title, status = transcript.Status, duration = 0 };

    private IResult Find(string id, Func<FakeTranscript, object> body) =>
        _transcripts.TryGetValue(id, out var transcript) ? Results.Json(body(transcript)) : Results.NotFound();

    public async ValueTask DisposeAsync() => await _app.DisposeAsync();

    private sealed record FakeTranscript(string Id, string Title, string Status, double[] Waveform);
}
