
namespace Reflector.Relay.FunctionalTests.Browser.ReactApp;

/// <summary>
/// Exact refetch accounting at the fake API: something happens, the expected requests arrive, every tab settles (no
/// query fetching, every request answered), and then each path's count is exactly what was expected, every other
/// path's unchanged. The invalidations of one message all happen in the task that handles it, so once the expected
/// requests have arrived and the tab has settled, an extra refetch would have arrived too.
/// </summary>
internal static class RequestLedger
{
    public static async Task ExpectRequestsAsync(FakeReflectorApi api, IReadOnlyList<ReactAppTab> tabs, Func<Task> act, params string[] paths)
    {
        var expected = api.Requests();
        foreach (var path in paths)
        {
            expected[path] = expected.GetValueOrDefault(path) + tabs.Count;
        }

        var issuedBefore = new List<Dictionary<string, int>>();
        foreach (var tab in tabs)
        {
            issuedBefore.Add(await tab.IssuedAsync());
        }

        await act();
        await TestTimeouts.Eventually(
            () => paths.All(path => api.Requests().GetValueOrDefault(path) >= expected[path]),
            $"the app requested {string.Join(", ", paths)}");
        foreach (var tab in tabs)
        {
            await tab.WaitUntilSettledAsync();
        }

        Assert.Equal(Describe(expected), Describe(api.Requests()));

        // And each tab made its own share: every expected path once, nothing else.
        var perTab = Describe(paths.ToDictionary(path => path, _ => 1));
        for (var i = 0; i < tabs.Count; i++)
        {
            var issued = await tabs[i].IssuedAsync();
            Assert.Equal(perTab, Describe(issued.ToDictionary(pair => pair.Key, pair => pair.Value - issuedBefore[i].GetValueOrDefault(pair.Key))));
        }
    }

    public static string Describe(IReadOnlyDictionary<string, int> counts) =>
        string.Join('\n', counts.Where(pair => pair.Value > 0).OrderBy(pair => pair.Key, StringComparer.Ordinal).Select(pair => $"{pair.Key}: {pair.Value}"));
}
