using Microsoft.AspNetCore.Http;
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
        var context = new DefaultHttpContext();
        context.Request.Path = path;
        context.Response.StatusCode = status;

        Assert.Equal(expected, RelayLoggingExtensions.LevelOf(context, 1.0, exception: null));
    }

    [Fact]
    public void A_request_that_threw_is_an_error()
    {
        var context = new DefaultHttpContext();
        context.Request.Path = "/hubs/user-events";
        Assert.Equal(LogEventLevel.Error, RelayLoggingExtensions.LevelOf(context, 1.0, new InvalidOperationException()));
    }
}
