using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.SignalR;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Reflector.Relay.Hubs;

namespace Reflector.Relay.Tests.Hubs;

public sealed class StoppingRelayMiddlewareTests
{
    [Theory]
    [InlineData("", StatusCodes.Status503ServiceUnavailable)]
    [InlineData("?negotiateVersion=1", StatusCodes.Status503ServiceUnavailable)]
    [InlineData("?id=a-live-connection", StatusCodes.Status204NoContent)]
    public async Task A_stopping_relay_refuses_new_connections_and_serves_open_ones(string query, int expected)
    {
        using var stopping = new CancellationTokenSource();
        var pipeline = Pipeline(stopping.Token);
        await stopping.CancelAsync();

        var context = HubRequest(query);
        await pipeline(context);

        Assert.Equal(expected, context.Response.StatusCode);
        if (expected == StatusCodes.Status503ServiceUnavailable)
        {
            Assert.Equal("2", context.Response.Headers.RetryAfter.ToString());
        }
    }

    [Fact]
    public async Task A_running_relay_lets_new_connections_in()
    {
        using var stopping = new CancellationTokenSource();
        var context = HubRequest("?negotiateVersion=1");

        await Pipeline(stopping.Token)(context);

        Assert.Equal(StatusCodes.Status204NoContent, context.Response.StatusCode);
    }

    [Fact]
    public async Task Other_endpoints_stay_open_while_the_relay_stops()
    {
        using var stopping = new CancellationTokenSource();
        var pipeline = Pipeline(stopping.Token);
        await stopping.CancelAsync();
        var context = new DefaultHttpContext();
        context.Request.Path = "/healthz";

        await pipeline(context);

        Assert.Equal(StatusCodes.Status204NoContent, context.Response.StatusCode);
    }

    private static RequestDelegate Pipeline(CancellationToken stopping)
    {
        var services = new ServiceCollection().AddSingleton<IHostApplicationLifetime>(new Lifetime(stopping)).BuildServiceProvider();
        var app = new ApplicationBuilder(services);
        app.UseNewConnectionRefusalWhileStopping();
        app.Run(context =>
        {
            context.Response.StatusCode = StatusCodes.Status204NoContent;
            return Task.CompletedTask;
        });
        return app.Build();
    }

    /// <summary>A request as routing leaves it on one of the hub's endpoints.</summary>
    private static DefaultHttpContext HubRequest(string query)
    {
        var context = new DefaultHttpContext();
        context.Request.Path = "/hubs/user-events";
        context.Request.QueryString = new QueryString(query.Length == 0 ? null : query);
        context.SetEndpoint(new Endpoint(null, new EndpointMetadataCollection(new HubMetadata(typeof(UserEventsHub))), "hub"));
        return context;
    }

    private sealed class Lifetime(CancellationToken stopping) : IHostApplicationLifetime
    {
        public CancellationToken ApplicationStarted => CancellationToken.None;

        public CancellationToken ApplicationStopping => stopping;

        public CancellationToken ApplicationStopped => CancellationToken.None;

        public void StopApplication()
        {
        }
    }
}
