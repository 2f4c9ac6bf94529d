using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Reflector.Relay.Auth;

namespace Reflector.Relay.Tests.Auth;

public sealed class BearerTokenTests
{
    [Fact]
    public void Taking_a_query_token_leaves_no_copy_of_it_in_the_request()
    {
        var context = new DefaultHttpContext();
        context.Request.Path = "/hubs/user-events";
        context.Request.QueryString = new QueryString("?id=abc&access_token=secret-token");
        context.Features.Get<IHttpRequestFeature>()!.RawTarget = "/hubs/user-events?id=abc&access_token=secret-token";

        Assert.True(BearerToken.TryTake(context, user: null, out var token));

        Assert.Equal("secret-token", token.Value);
        Assert.Equal("?id=abc", context.Request.QueryString.Value);
        Assert.False(context.Request.Query.ContainsKey("access_token"));
        Assert.Equal("abc", context.Request.Query["id"]);
        Assert.Equal("/hubs/user-events?id=abc", context.Features.Get<IHttpRequestFeature>()!.RawTarget);
    }

    [Fact]
    public void Taking_a_header_token_removes_the_header()
    {
        var context = new DefaultHttpContext();
        context.Request.Headers.Authorization = "Bearer header-token";

        Assert.True(BearerToken.TryTake(context, user: null, out var token));

        Assert.Equal("header-token", token.Value);
        Assert.False(context.Request.Headers.ContainsKey("Authorization"));
    }

    [Fact]
    public void A_request_without_a_token_gives_none_and_is_left_alone()
    {
        var context = new DefaultHttpContext();
        context.Request.QueryString = new QueryString("?id=abc");

        Assert.False(BearerToken.TryTake(context, user: null, out _));
        Assert.Equal("?id=abc", context.Request.QueryString.Value);
    }
}
