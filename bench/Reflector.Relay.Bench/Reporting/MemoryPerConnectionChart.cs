using ScottPlot;
using Reflector.Relay.Bench.Scenarios;

namespace Reflector.Relay.Bench.Reporting;

/// <summary>The ramp's cost curve: the edge's resident bytes per connection against connections held, one line per system, as a PNG.</summary>
internal static class MemoryPerConnectionChart
{
    private static readonly Color[] Palette = [Colors.FireBrick, Colors.DarkOrange, Colors.SteelBlue, Colors.SeaGreen, Colors.Purple];

    public static void Save(string path, IReadOnlyList<(string System, RampResult Ramp)> rows)
    {
        var plot = new Plot();
        for (var i = 0; i < rows.Count; i++)
        {
            var steps = rows[i].Ramp.Steps.Where(step => step.Connections > 0 && double.IsFinite(step.BytesPerConnection)).ToArray();
            if (steps.Length == 0)
            {
                continue;
            }

            double[] connections = [.. steps.Select(step => (double)step.Connections)];
            double[] kilobytes = [.. steps.Select(step => step.BytesPerConnection / 1024.0)];
            var line = plot.Add.Scatter(connections, kilobytes, Palette[i % Palette.Length]);
            line.LegendText = rows[i].System;
            line.LineWidth = 2;
            line.MarkerSize = 7;
        }

        plot.ShowLegend(Alignment.UpperRight);
        plot.Title("Edge memory per connection, ramp scenario");
        plot.XLabel("connections held");
        plot.YLabel("resident KB per connection (growth over no tabs)");
        plot.Axes.Margins(bottom: 0);
        plot.SavePng(path, 900, 500);
    }
}
