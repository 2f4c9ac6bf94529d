using Reflector.Relay.Events;
using Reflector.Relay.Tests.Infrastructure;

namespace Reflector.Relay.Tests.Cluster.Infrastructure;

/// <summary>Tabs spread over a cluster's relays, in the arrangements the tests need.</summary>
internal static class ClusterTabs
{
    /// <summary>
    /// One connected tab of <paramref name="userId"/> on each relay in turn. The first relay's tab arrives alone, so
    /// that relay holds the user's socket; the others follow it.
    /// </summary>
    public static async Task<List<RelayClient>> OneOnEachInTurnAsync(IEnumerable<ClusterNode> nodes, ClusterFixture fixture, string userId)
    {
        var tabs = new List<RelayClient>();
        try
        {
            foreach (var node in nodes)
            {
                var tab = await node.ConnectAsync(userId);
                tabs.Add(tab);
                await tab.WaitForStateAsync(UpstreamState.Connected);
                await fixture.Reflector.WaitForOpenSocketsAsync(userId, 1, TestTimeouts.Default);
            }

            return tabs;
        }
        catch
        {
            await DisposeAllAsync(tabs);
            throw;
        }
    }

    /// <summary>Waits until <paramref name="holder"/> has had its linger pass with the socket kept for other relays' tabs.</summary>
    public static Task KeptForOtherRelaysAsync(ClusterNode holder) =>
        TestTimeouts.Eventually(
            () => holder.Output.Contains("the upstream stays open for its connections on other relays", StringComparison.Ordinal),
            $"{holder.Name} kept the socket for the other relays' tabs");

    public static async Task DisposeAllAsync(IEnumerable<RelayClient> tabs)
    {
        foreach (var tab in tabs)
        {
            await tab.DisposeAsync();
        }
    }
}
