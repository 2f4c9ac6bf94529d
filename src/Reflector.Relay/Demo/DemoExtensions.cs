using System.Net.Mime;
using Microsoft.Extensions.FileProviders;
using Reflector.Relay.Streams;

namespace Reflector.Relay.Demo;

/// <summary>
/// The live demo page at <c>/demo/</c> with the helpers it needs: the relay's upstream socket counts, and a
/// same-origin way to the simulated Reflector's <c>/dev</c> endpoints (tokens, events, drop, transcripts, and one
/// transcript's events and drop).
/// On by default in Development only; those endpoints mint tokens for anyone, so never in production.
/// </summary>
internal static class DemoExtensions
{
    public const string SectionName = "Demo";

    private const string RequestPath = "/demo";

    // The simulator helpers the page uses; nothing else is forwarded.
    private static readonly HashSet<string> ForwardedSimulatorPaths = new(StringComparer.Ordinal)
    {
        "tokens", "events", "drop", "transcripts", "stats",
    };

    // And for one transcript's stream: emit to it, cut its sockets.
    private static readonly HashSet<string> ForwardedTranscriptActions = new(StringComparer.Ordinal)
    {
        "events", "drop",
    };

    public static bool IsDemoEnabled(this WebApplication app) =>
        app.Configuration.GetValue<bool?>($"{SectionName}:Enabled") ?? app.Environment.IsDevelopment();

    public static WebApplicationBuilder AddRelayDemo(this WebApplicationBuilder builder)
    {
        builder.Services.AddHttpClient(nameof(DemoExtensions));
        return builder;
    }

    public static WebApplication UseRelayDemo(this WebApplication app)
    {
        if (!app.IsDemoEnabled())
        {
            return app;
        }

        var files = new PhysicalFileProvider(Path.Combine(app.Environment.ContentRootPath, "Demo", "wwwroot"));
        app.UseDefaultFiles(new DefaultFilesOptions { FileProvider = files, RequestPath = RequestPath });
        app.UseStaticFiles(new StaticFileOptions
        {
            FileProvider = files,
            RequestPath = RequestPath,
            // The bundle changes with the client's sources; a reload must not run yesterday's copy.
            OnPrepareResponse = context => context.Context.Response.Headers.CacheControl = "no-cache",
        });

        app.MapGet("/", () => Results.Redirect(RequestPath + "/"));
        app.MapGet("/dev/relay/stats", (UpstreamConnectionManager upstreams) =>
            Results.Ok(new RelayStats(upstreams.UpstreamCount, upstreams.OpenSocketCount)));
        app.MapMethods("/dev/simulator/{path}", [HttpMethods.Get, HttpMethods.Post], (string path, HttpContext context, IHttpClientFactory clients, IConfiguration configuration) =>
            ForwardedSimulatorPaths.Contains(path)
                ? ForwardToSimulatorAsync(path, context, clients, configuration)
                : NotFoundAsync(context));
        app.MapPost("/dev/simulator/transcripts/{id}/{action}", (string id, string action, HttpContext context, IHttpClientFactory clients, IConfiguration configuration) =>
            ForwardedTranscriptActions.Contains(action)
                ? ForwardToSimulatorAsync($"transcripts/{Uri.EscapeDataString(id)}/{action}", context, clients, configuration)
                : NotFoundAsync(context));
        return app;
    }

    private static Task NotFoundAsync(HttpContext context)
    {
        context.Response.StatusCode = StatusCodes.Status404NotFound;
        return Task.CompletedTask;
    }

    private static async Task ForwardToSimulatorAsync(string path, HttpContext context, IHttpClientFactory clients, IConfiguration configuration)
    {
        var simulator = configuration[$"{SectionName}:SimulatorUrl"];
        if (string.IsNullOrWhiteSpace(simulator))
        {
            context.Response.StatusCode = StatusCodes.Status404NotFound;
            return;
        }

        var target = new Uri(new Uri(simulator.TrimEnd('/') + "/"), "dev/" + path + context.Request.QueryString);
        using var request = new HttpRequestMessage(new HttpMethod(context.Request.Method), target);
        if (HttpMethods.IsPost(context.Request.Method))
        {
            request.Content = new StreamContent(context.Request.Body);
            request.Content.Headers.TryAddWithoutValidation("Content-Type", context.Request.ContentType ?? MediaTypeNames.Application.Json);
        }

        using var response = await clients.CreateClient(nameof(DemoExtensions))
            .SendAsync(request, context.RequestAborted).ConfigureAwait(false);
        context.Response.StatusCode = (int)response.StatusCode;
        context.Response.ContentType = response.Content.Headers.ContentType?.ToString();
        context.Response.Headers.CacheControl = "no-store";
        await response.Content.CopyToAsync(context.Response.Body, context.RequestAborted).ConfigureAwait(false);
    }

    internal sealed record RelayStats(int Upstreams, int OpenSockets);
}
