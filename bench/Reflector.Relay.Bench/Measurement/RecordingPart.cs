namespace Reflector.Relay.Bench.Measurement;

/// <summary>
/// What one process's tabs recorded in one run: per tab (by its index in the whole fleet) the deliveries and the
/// distinct events, plus every latency. Parts from several client processes sum up as one run.
/// </summary>
internal sealed record RecordingPart(int[] Tabs, long[] Received, long[] Distinct, long Unreadable, double[] LatenciesMs)
{
    /// <summary>Sums up a run; <paramref name="expected"/> tells how many events each connected tab should have had.</summary>
    public static DeliveryStats Summarize(IEnumerable<RecordingPart> parts, Func<int, long?> expected, double seconds)
    {
        long lost = 0, duplicated = 0, unique = 0, extra = 0, unreadable = 0;
        var latencies = new List<double>();
        foreach (var part in parts)
        {
            unreadable += part.Unreadable;
            latencies.AddRange(part.LatenciesMs);
            for (var i = 0; i < part.Tabs.Length; i++)
            {
                var distinct = part.Distinct[i];
                unique += distinct;
                duplicated += part.Received[i] - distinct;
                if (expected(part.Tabs[i]) is { } wanted)
                {
                    lost += Math.Max(0, wanted - distinct);
                    extra += Math.Max(0, distinct - wanted);
                }
            }
        }

        return DeliveryStats.From([.. latencies], unique + duplicated, lost, duplicated, unreadable + extra, seconds);
    }
}
