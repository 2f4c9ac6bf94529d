using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.SignalR;
using Reflector.Relay.Hubs;
using Reflector.Relay.Logging;
using Serilog.Events;

namespace Reflector.Relay.Tests.Logging;

public sealed class RequestLogLevelTests
{
    [Theory]
    [InlineData("/hubs/user-events/negotiate", 200, LogEventLevel.Debug)]
    [InlineData("/hubs/user-events", 101, LogEventLevel.Debug)]
    [InlineData("/hubs/user-events/negotiate", 401, LogEventLevel.Information)]
    [InlineData("/hubs/user-events/negotiate", 429, LogEventLevel.Information)]
    [InlineData("/hubs/user-events", 500, LogEventLevel.Error)]
    [InlineData("/readyz", 200, LogEventLevel.Information)]
    public void Requests_of_every_connection_that_went_well_are_debug_and_the_rest_keep_their_weight(string path, int status, LogEventLevel expected)
    {
        var context = RequestTo(path);
        context.Response.StatusCode = status;

        Assert.Equal(expected, RelayLoggingExtensions.LevelOf(context, 1.0, exception: null));
    }

    [Fact]
    public void A_request_that_threw_is_an_error()
    {
        var context = RequestTo("/hubs/user-events");
        Assert.Equal(LogEventLevel.Error, RelayLoggingExtensions.LevelOf(context, 1.0, new InvalidOperationException()));
    }

    /// <summary>A request as routing leaves it: the hub's endpoints carry SignalR's <see cref="HubMetadata"/>, others do not.</summary>
    private static DefaultHttpContext RequestTo(string path)
    {
        var context = new DefaultHttpContext();
        context.Request.Path = path;
        if (path.StartsWith("/hubs/user-events", StringComparison.Ordinal))
        {
            context.SetEndpoint(new Endpoint(null, new EndpointMetadataCollection(new HubMetadata(typeof(UserEventsHub))), path));
        }

        return context;
    }
}
