using System.Globalization;
using Reflector.Relay.Events;
using Reflector.Relay.Tests.Cluster.Infrastructure;
using Reflector.Relay.Tests.Infrastructure;
using Xunit.Abstractions;

namespace Reflector.Relay.Tests.Cluster;

/// <summary>What a quiet cluster asks of Redis: per relay and heartbeat, never per user.</summary>
[Collection(ClusterTests.Name)]
public sealed class RedisCostTests(ClusterFixture fixture, ITestOutputHelper output) : IClassFixture<ClusterFixture>
{
    [Fact]
    public async Task A_quiet_cluster_sends_Redis_a_few_commands_per_relay_and_heartbeat_whatever_the_number_of_users()
    {
        await using var cluster = fixture.NewCluster(output);
        var nodes = await cluster.StartNodesAsync(2);
        const int users = 40;
        var tabs = new List<RelayClient>();
        try
        {
            // Every user on both relays: one holds each socket, the other follows it.
            for (var i = 0; i < users; i++)
            {
                tabs.AddRange(await ClusterTabs.OneOnEachInTurnAsync(nodes, fixture, ClusterFixture.NewUser("cost" + i)));
            }

            await fixture.Redis.CommandAsync("CONFIG", "RESETSTAT");
            // Ten heartbeats of the two relays (each renews its presence with one SET per beat).
            await TestTimeouts.EventuallyAsync(async () => Calls(await CommandStatsAsync(), "set") >= 10, "ten heartbeats");
            var stats = await CommandStatsAsync();
            var beats = Calls(stats, "set");
            var total = stats.Where(stat => !stat.Key.StartsWith("config", StringComparison.Ordinal) && stat.Key != "info").Sum(stat => stat.Value);
            output.WriteLine($"{users} users on 2 relays, quiet: {total} commands in {beats} heartbeats " +
                $"({(double)total / beats:0.0} per heartbeat): {string.Join(", ", stats.Select(stat => $"{stat.Key} {stat.Value}"))}");

            // A heartbeat costs a SET, an SMEMBERS and an EXISTS per relay, plus a PING now and then; a command per
            // user and heartbeat would be forty.
            Assert.True(total <= beats * 6, $"{total} commands in {beats} heartbeats");
        }
        finally
        {
            await ClusterTabs.DisposeAllAsync(tabs);
        }

        async Task<Dictionary<string, long>> CommandStatsAsync()
        {
            var info = (string)(await fixture.Redis.CommandAsync("INFO", "commandstats"))!;
            return info.Split('\n')
                .Where(line => line.StartsWith("cmdstat_", StringComparison.Ordinal))
                .Select(line => line.Trim().Split(':'))
                .ToDictionary(
                    parts => parts[0]["cmdstat_".Length..],
                    parts => long.Parse(parts[1].Split(',')[0]["calls=".Length..], CultureInfo.InvariantCulture));
        }

        static long Calls(Dictionary<string, long> stats, string command) => stats.GetValueOrDefault(command);
    }
}
