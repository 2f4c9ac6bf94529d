using System.Globalization;
using System.Text;
using Reflector.Relay.Bench.Scenarios;

namespace Reflector.Relay.Bench.Reporting;

/// <summary>
/// Several interleaved runs summed up: per figure and system, the median over the runs and their spread (min–max),
/// and the median's ratio to <c>direct</c>'s median. A figure a system lacks in some run counts over the runs it has.
/// </summary>
internal static class RunsSummary
{
    private static readonly (string Scenario, string Figure, string Format, Func<SystemResult, double?> Pick)[] Figures =
    [
        ("idle", "bytes per connection", "0", s => s.Idle?.BytesPerConnection),
        ("steady", "p50 ms", "0.00", s => s.Steady?.Delivery.P50Ms),
        ("steady", "p99 ms", "0.00", s => s.Steady?.Delivery.P99Ms),
        ("steady", "deliveries/s", "0", s => s.Steady?.Delivery.DeliveriesPerSecond),
        ("steady", "lost + duplicated", "0", s => s.Steady is { } r ? r.Delivery.Lost + r.Delivery.Duplicated : null),
        ("steady", "edge CPU s", "0.00", s => s.Steady?.Cost.EdgeCpuSeconds),
        ("steady", "edge CPU µs per delivery", "0.0", s => s.Steady is { Delivery.Deliveries: > 0 } r ? r.Cost.EdgeCpuSeconds * 1e6 / r.Delivery.Deliveries : null),
        ("steady", "edge peak RSS MB", "0", s => s.Steady?.Cost.EdgePeakRssMb),
        ("steady", "Reflector CPU s", "0.00", s => s.Steady?.Cost.ReflectorCpuSeconds),
        ("steady", "whole system CPU s", "0.00", s => s.Steady?.Cost.SystemCpuSeconds),
        ("steady", "whole system peak RSS MB", "0", s => s.Steady?.Cost.SystemPeakRssMb),
        ("burst", "tabs failed", "0", s => s.Burst?.ConnectFailures),
        ("burst", "all connected s", "0.0", s => s.Burst?.ConnectSeconds),
        ("burst", "upstreams ready s", "0.0", s => s.Burst?.UpstreamsReadySeconds),
        ("burst", "p99 ms", "0.00", s => s.Burst?.Delivery.P99Ms),
        ("burst", "edge CPU s", "0.00", s => s.Burst?.Cost.EdgeCpuSeconds),
        ("ramp", "most connections within target", "0", s => s.Ramp?.MostConnectionsWithinTarget),
        ("transcripts", "p99 ms", "0.00", s => s.Transcripts?.Delivery.All.P99Ms),
        ("transcripts", "edge CPU s", "0.00", s => s.Transcripts?.Cost.EdgeCpuSeconds),
        ("transcripts", "Reflector CPU s", "0.00", s => s.Transcripts?.Cost.ReflectorCpuSeconds),
        ("restart", "tabs back s (slowest node)", "0.0", s => s.Restart?.Restarts.Max(r => (double?)r.TabsBackSeconds)),
        ("restart", "upstreams ready s (slowest node)", "0.0", s => s.Restart?.Restarts.Max(r => (double?)r.UpstreamsReadySeconds)),
        ("restart", "tabs over once per own restart", "0", s => s.Restart?.TabsOverOwnRestarts),
        ("restart", "lost while up", "0", s => s.Restart?.Delivery.LostWhileUp),
        ("restart", "duplicated", "0", s => s.Restart?.Delivery.Duplicated),
    ];

    public static void Render(StringBuilder text, RunReport report)
    {
        var systems = report.Options.Systems;
        text.AppendLine(Invariant($"## Medians of {report.Runs.Count} interleaved runs (min–max; ratio of medians to `direct`)"));
        text.AppendLine();
        text.AppendLine("| scenario | figure | " + string.Join(" | ", systems) + " |");
        text.AppendLine("| --- | --- |" + string.Concat(systems.Select(_ => " ---: |")));
        foreach (var (scenario, figure, format, pick) in Figures)
        {
            var values = systems.Select(system => report.Runs
                .Select(run => run.Find(s => s.System == system) is { } result ? pick(result) : null)
                .OfType<double>().Where(double.IsFinite).Order().ToArray()).ToList();
            if (values.TrueForAll(v => v.Length == 0))
            {
                continue;
            }

            var directIndex = systems.ToList().IndexOf("direct");
            double? directMedian = directIndex >= 0 && values[directIndex].Length > 0 ? Median(values[directIndex]) : null;
            var cells = values.Select((v, i) =>
            {
                if (v.Length == 0)
                {
                    return "–";
                }

                var median = Median(v);
                var cell = $"{F(median, format)} ({F(v[0], format)}–{F(v[^1], format)})";
                return i != directIndex && directMedian is > 0 ? cell + Invariant($" {median / directMedian.Value:0.00}×") : cell;
            });
            text.AppendLine($"| {scenario} | {figure} | {string.Join(" | ", cells)} |");
        }

        text.AppendLine();
    }

    private static double Median(double[] sorted) =>
        sorted.Length % 2 == 1 ? sorted[sorted.Length / 2] : (sorted[(sorted.Length / 2) - 1] + sorted[sorted.Length / 2]) / 2;

    private static string F(double value, string format) => value.ToString(format, CultureInfo.InvariantCulture);

    private static string Invariant(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);
}
