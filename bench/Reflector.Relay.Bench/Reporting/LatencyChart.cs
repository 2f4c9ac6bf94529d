using ScottPlot;
using Reflector.Relay.Bench.Measurement;

namespace Reflector.Relay.Bench.Reporting;

/// <summary>Grouped bars: p50, p90 and p99 delivery latency per system, as a PNG.</summary>
internal static class LatencyChart
{
    public static void Save(string path, string title, IReadOnlyList<(string System, DeliveryStats Delivery)> rows)
    {
        var plot = new Plot();
        var series = new (string Name, Func<DeliveryStats, double> Value, Color Color)[]
        {
            ("p50", d => d.P50Ms, Colors.SteelBlue),
            ("p90", d => d.P90Ms, Colors.Orange),
            ("p99", d => d.P99Ms, Colors.FireBrick),
        };

        var bars = new List<Bar>();
        for (var row = 0; row < rows.Count; row++)
        {
            for (var s = 0; s < series.Length; s++)
            {
                var value = series[s].Value(rows[row].Delivery);
                bars.Add(new Bar
                {
                    Position = (row * (series.Length + 1)) + s,
                    Value = double.IsFinite(value) ? value : 0,
                    FillColor = series[s].Color,
                    Label = double.IsFinite(value) ? value.ToString("0.0", System.Globalization.CultureInfo.InvariantCulture) : "",
                });
            }
        }

        var barPlot = plot.Add.Bars(bars);
        barPlot.ValueLabelStyle.FontSize = 11;
        plot.Axes.Bottom.SetTicks(
            [.. Enumerable.Range(0, rows.Count).Select(row => (row * (series.Length + 1)) + 1.0)],
            [.. rows.Select(row => row.System)]);
        plot.Axes.Bottom.MajorTickStyle.Length = 0;
        plot.Axes.Margins(bottom: 0);
        foreach (var (name, _, color) in series)
        {
            plot.Legend.ManualItems.Add(new LegendItem { LabelText = name, FillColor = color });
        }

        plot.ShowLegend(Alignment.UpperLeft);
        plot.Title(title);
        plot.YLabel("delivery latency (ms)");
        plot.SavePng(path, 900, 500);
    }
}
