using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.Configuration;
using Reflector.Relay.Development;

namespace Reflector.Relay.Tests.Development;

public sealed class SimulatedReflectorExtensionsTests
{
    [Fact]
    public void In_Development_without_a_Reflector_the_relay_points_at_a_simulated_one_and_trusts_its_key()
    {
        var builder = WebApplication.CreateBuilder(new WebApplicationOptions { EnvironmentName = "Development" });
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?> { ["SimulatedReflector:Url"] = "http://127.0.0.1:5999" });

        builder.UseSimulatedReflectorWhenNoneConfigured();

        Assert.Equal("ws://127.0.0.1:5999/v1/events", builder.Configuration["Upstream:EventsUrl"]);
        Assert.Equal("ws://127.0.0.1:5999/v1/transcripts/{transcriptId}/events", builder.Configuration["Upstream:TranscriptEventsUrl"]);
        var publicKeyFile = builder.Configuration["Authentication:Jwt:PublicKeyFile"];
        Assert.True(File.Exists(publicKeyFile), "the simulator's public key is written where the JWT settings read it");
        Assert.Contains("BEGIN PUBLIC KEY", File.ReadAllText(publicKeyFile!));
        File.Delete(publicKeyFile!);
    }

    [Theory]
    [InlineData("Production", null)]
    [InlineData("Development", "wss://reflector.example/v1/events")]
    public void A_configured_Reflector_or_another_environment_is_left_alone(string environment, string? eventsUrl)
    {
        var builder = WebApplication.CreateBuilder(new WebApplicationOptions { EnvironmentName = environment });
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?> { ["Upstream:EventsUrl"] = eventsUrl });

        builder.UseSimulatedReflectorWhenNoneConfigured();

        Assert.Equal(eventsUrl, builder.Configuration["Upstream:EventsUrl"]);
        Assert.Null(builder.Configuration["Authentication:Jwt:PublicKeyFile"]);
    }
}
