using System.Net;
using Reflector.Relay.Tests.Infrastructure;

namespace Reflector.Relay.Tests.Health;

public sealed class HealthEndpointTests(ReflectorFixture fixture) : IClassFixture<ReflectorFixture>
{
    [Theory]
    [InlineData("/healthz")]
    [InlineData("/readyz")]
    public async Task Health_endpoints_answer_without_a_token_while_the_relay_serves(string path)
    {
        await using var relay = new RelayFactory(fixture.Reflector);
        using var http = new HttpClient { BaseAddress = relay.BaseAddress };

        using var response = await http.GetAsync(path).DefaultTimeout();

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("Healthy", await response.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task Readiness_fails_once_the_relay_is_shutting_down()
    {
        await using var relay = new RelayFactory(fixture.Reflector);
        using var http = new HttpClient { BaseAddress = relay.BaseAddress };

        await relay.Upstreams.StopAsync(CancellationToken.None).DefaultTimeout();
        using var ready = await http.GetAsync("/readyz").DefaultTimeout();
        using var live = await http.GetAsync("/healthz").DefaultTimeout();

        Assert.Equal(HttpStatusCode.ServiceUnavailable, ready.StatusCode);
        Assert.Equal(HttpStatusCode.OK, live.StatusCode);
    }
}
