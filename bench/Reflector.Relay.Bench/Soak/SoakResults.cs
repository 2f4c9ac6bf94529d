using System.Globalization;
using System.Text;

namespace Reflector.Relay.Bench.Soak;

/// <summary>
/// One sample of the time series, taken every 10 s once the counts agree (or the wait for them ran out):
/// the relay's process, the relay's and Reflector's own counts, and the bench's view of its tabs.
/// </summary>
internal sealed record SoakSample(
    string Utc,
    double Seconds,
    double RssMb,
    double? GcHeapMb,
    int Threads,
    int OpenFiles,
    int Tabs,
    int UsersWithTabs,
    double? RelayConnections,
    double? RelayUsers,
    double? RelayUpstreamSockets,
    int ReflectorSockets,
    bool Consistent,
    double SettleSeconds,
    int Drops,
    long EventsSent,
    long Deliveries)
{
    public const string CsvHeader =
        "utc,seconds,relay_rss_mb,relay_gc_heap_mb,relay_threads,relay_open_files,bench_tabs,bench_users_with_tabs,relay_connections,relay_users," +
        "relay_upstream_open_sockets,reflector_open_sockets,consistent,settle_seconds,drops,events_sent,deliveries";

    public string ToCsv() => string.Join(',',
        Utc,
        F(Seconds, "0.0"),
        F(RssMb, "0.0"),
        F(GcHeapMb, "0.0"),
        Threads.ToString(CultureInfo.InvariantCulture),
        OpenFiles.ToString(CultureInfo.InvariantCulture),
        Tabs.ToString(CultureInfo.InvariantCulture),
        UsersWithTabs.ToString(CultureInfo.InvariantCulture),
        F(RelayConnections, "0"),
        F(RelayUsers, "0"),
        F(RelayUpstreamSockets, "0"),
        ReflectorSockets.ToString(CultureInfo.InvariantCulture),
        Consistent ? "1" : "0",
        F(SettleSeconds, "0.0"),
        Drops.ToString(CultureInfo.InvariantCulture),
        EventsSent.ToString(CultureInfo.InvariantCulture),
        Deliveries.ToString(CultureInfo.InvariantCulture));

    private static string F(double? value, string format) => value?.ToString(format, CultureInfo.InvariantCulture) ?? "";
}

/// <summary>The relay's resident memory over the run: slope over the second half, and the medians of each half.</summary>
internal sealed record RssTrend(double FirstHalfMedianMb, double SecondHalfMedianMb, double SecondHalfSlopeMbPerMinute, int SecondHalfSamples)
{
    public static RssTrend Of(IReadOnlyList<SoakSample> samples, double runSeconds)
    {
        var first = samples.Where(s => s.Seconds < runSeconds / 2).Select(s => s.RssMb).ToArray();
        var second = samples.Where(s => s.Seconds >= runSeconds / 2).ToArray();
        return new RssTrend(Median(first), Median([.. second.Select(s => s.RssMb)]), Slope(second), second.Length);
    }

    // Least squares of RSS (MB) on time (minutes).
    private static double Slope(SoakSample[] samples)
    {
        if (samples.Length < 2)
        {
            return double.NaN;
        }

        var meanX = samples.Average(s => s.Seconds / 60);
        var meanY = samples.Average(s => s.RssMb);
        var covariance = samples.Sum(s => ((s.Seconds / 60) - meanX) * (s.RssMb - meanY));
        var variance = samples.Sum(s => Math.Pow((s.Seconds / 60) - meanX, 2));
        return variance > 0 ? covariance / variance : double.NaN;
    }

    private static double Median(double[] values)
    {
        if (values.Length == 0)
        {
            return double.NaN;
        }

        Array.Sort(values);
        var middle = values.Length / 2;
        return values.Length % 2 == 1 ? values[middle] : (values[middle - 1] + values[middle]) / 2;
    }
}

/// <summary>One line of the verdict: what was measured, what it had to be, and whether it was (null: not judged).</summary>
internal sealed record SoakCheck(string Name, string Figure, string Criterion, bool? Passed);

internal sealed record SoakSettings(
    int Seed, double Minutes, int Users, int MaxTabsPerUser, double EventsPerSecond, double ChurnPerSecond,
    string DropInterval, double DropMarginSeconds, double ReceiveDeadlineSeconds, double LingerSeconds,
    string System, double? KillEveryMinutes, int RedisRestarts, string? ReconnectDelays);

/// <summary>One of the cluster soak's outages: what happened, when (seconds into the run), and how long until it settled.</summary>
internal sealed record SoakOutage(string What, double AtSeconds, double SettleSeconds, bool Settled);

/// <summary>Relay process figures: before any tab, and after every tab closed and the linger passed.</summary>
internal sealed record SoakEnd(
    double BaselineRssMb, int BaselineThreads, int BaselineOpenFiles,
    double EndRssMb, int EndThreads, int EndOpenFiles,
    int ReflectorSocketsAfterClose, double? RelayUpstreamSocketsAfterClose, double? RelayUsersAfterClose, double? RelayConnectionsAfterClose,
    double SecondsToZero, double? RelayStalledConnections,
    SortedDictionary<string, int> BaselineOpenFilesByKind, SortedDictionary<string, int> EndOpenFilesByKind);

internal sealed record SoakResult(
    string StartedAt,
    string Command,
    string Machine,
    SoakSettings Settings,
    List<SoakCheck> Checks,
    DeliveryVerdict? Delivery,
    RssTrend? Rss,
    SoakEnd? End,
    List<SoakSample> Samples,
    List<string> Notes,
    List<string> Problems,
    List<SoakOutage> Outages)
{
    public bool Passed => Problems.Count == 0 && Checks.Count > 0 && Checks.TrueForAll(c => c.Passed is not false);

    public string ToMarkdown()
    {
        var text = new StringBuilder();
        var s = Settings;
        text.AppendLine(CultureInfo.InvariantCulture, $"# Reflector Relay soak, {StartedAt}");
        text.AppendLine();
        text.AppendLine(CultureInfo.InvariantCulture, $"`{Command}`");
        text.AppendLine();
        text.AppendLine(CultureInfo.InvariantCulture, $"Machine: {Machine}");
        text.AppendLine();
        text.AppendLine(CultureInfo.InvariantCulture,
            $"Seed {s.Seed}; {s.Minutes:0.##} min; {s.Users} users with 0 to {s.MaxTabsPerUser} tabs each; {s.EventsPerSecond:0.#} events/s; " +
            $"{s.ChurnPerSecond:0.#} joins or leaves/s; a drop of every upstream socket every {s.DropInterval}.");
        text.AppendLine();
        if (s.System == "cluster")
        {
            text.AppendLine(
                "On the cluster (its relays on one redis-server, tabs by user behind a sticky balancer that takes a dead node out): a node killed " +
                FormattableString.Invariant($"with SIGKILL and started again every {s.KillEveryMinutes:0.##} min, in turn; Redis restarted {s.RedisRestarts} times; tabs reconnect ") +
                $"by themselves after {s.ReconnectDelays}. Each kill and restart is an outage in the ledger (judged as a drop is) until every tab " +
                "is back and the counts agree; the process figures are summed over the nodes.");
            text.AppendLine();
            text.AppendLine("| outage | at s | settled after s |");
            text.AppendLine("| --- | ---: | ---: |");
            foreach (var outage in Outages)
            {
                text.AppendLine(CultureInfo.InvariantCulture, $"| {outage.What} | {outage.AtSeconds:0} | {outage.SettleSeconds:0.0}{(outage.Settled ? "" : " (not settled)")} |");
            }

            text.AppendLine();
        }
        foreach (var note in Notes)
        {
            text.AppendLine(CultureInfo.InvariantCulture, $"**Note:** {note}");
            text.AppendLine();
        }

        foreach (var problem in Problems)
        {
            text.AppendLine(CultureInfo.InvariantCulture, $"**Problem:** {problem}");
            text.AppendLine();
        }

        text.AppendLine("| check | figure | criterion | verdict |");
        text.AppendLine("| --- | --- | --- | --- |");
        foreach (var check in Checks)
        {
            text.AppendLine(CultureInfo.InvariantCulture, $"| {check.Name} | {check.Figure} | {check.Criterion} | {check.Passed switch { true => "PASS", false => "FAIL", null => "n/a" }} |");
        }

        text.AppendLine();
        if (Delivery is { } d)
        {
            text.AppendLine("| delivery | |");
            text.AppendLine("| --- | ---: |");
            Row(text, "events emitted by Reflector", d.Sent);
            Row(text, "tabs opened", d.TabsOpened);
            Row(text, "(tab, event) pairs owed (tab open throughout)", d.Due);
            Row(text, "delivered", d.Delivered);
            Row(text, "owed while the upstream was up", d.DueWhileUp);
            Row(text, "delivered while up", d.DeliveredWhileUp);
            Row(text, "lost while up", d.LostWhileUp);
            Row(text, "lost in gaps (drops, reconnects, before a tab's first status)", d.LostInGap);
            Row(text, "duplicated", d.Duplicated);
            Row(text, "meant for another user", d.Foreign);
            Row(text, "unreadable invalidate messages", d.Unreadable);
            Row(text, "reconnecting statuses seen by tabs", d.ReconnectingsSeen);
            Row(text, "resyncs seen by tabs", d.ResyncsSeen);
            Row(text, "connections closed by the server (kills included)", d.ServerCloses);
            text.AppendLine(CultureInfo.InvariantCulture, $"| latency p50 / p99 / max (ms) | {d.P50Ms:0.0} / {d.P99Ms:0.0} / {d.MaxMs:0.0} |");
            text.AppendLine();
            foreach (var example in d.LostWhileUpExamples)
            {
                text.AppendLine(CultureInfo.InvariantCulture, $"- lost while up: {example}");
            }
        }

        return text.ToString();
    }

    private static void Row(StringBuilder text, string name, long value) =>
        text.AppendLine(CultureInfo.InvariantCulture, $"| {name} | {value:N0} |");
}
