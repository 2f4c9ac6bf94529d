using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Reflector.Relay.Cluster;

namespace Reflector.Relay.Tests.Cluster;

public sealed class ClusterOptionsTests
{
    [Fact]
    public void The_default_key_lifetime_is_valid_and_renewed_three_times_per_lifetime()
    {
        var options = new ClusterOptions();

        Assert.True(new ClusterOptionsValidator().Validate(null, options).Succeeded);
        Assert.Equal(TimeSpan.FromHours(1), options.KeyLifetime);
        Assert.Equal(TimeSpan.FromMinutes(20), options.KeyRenewalInterval);
    }

    [Fact]
    public void A_key_lifetime_shorter_than_ten_node_timeouts_is_refused_with_its_environment_variable()
    {
        // Keys that could lapse before a silent relay counts as dead would free a claim its relay still serves.
        var options = new ClusterOptions { NodeTimeout = TimeSpan.FromSeconds(3), KeyLifetime = TimeSpan.FromSeconds(29) };

        var result = new ClusterOptionsValidator().Validate(null, options);

        Assert.True(result.Failed);
        Assert.Contains("Cluster__KeyLifetime", result.FailureMessage, StringComparison.Ordinal);
    }

    [Fact]
    public void Each_process_adds_a_suffix_of_its_own_to_a_fixed_node_id()
    {
        static string NodeIdOfAProcessNamed(string nodeId)
        {
            var configuration = new ConfigurationBuilder()
                .AddInMemoryCollection(new Dictionary<string, string?>
                {
                    ["ConnectionStrings:Redis"] = "127.0.0.1:1",
                    ["Cluster:NodeId"] = nodeId,
                })
                .Build();
            using var provider = new ServiceCollection().AddLogging().AddRelayCluster(configuration).BuildServiceProvider();
            return provider.GetRequiredService<IOptions<ClusterOptions>>().Value.NodeId;
        }

        var first = NodeIdOfAProcessNamed("relay-0");
        var second = NodeIdOfAProcessNamed("relay-0");

        Assert.StartsWith("relay-0-", first, StringComparison.Ordinal);
        Assert.StartsWith("relay-0-", second, StringComparison.Ordinal);
        Assert.NotEqual(first, second);
    }
}
