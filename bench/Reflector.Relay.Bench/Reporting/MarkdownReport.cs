using System.Globalization;
using System.Text;
using Reflector.Relay.Bench.Scenarios;

namespace Reflector.Relay.Bench.Reporting;

/// <summary>One table per scenario, a row per system, with ratios to <c>direct</c> (today's architecture).</summary>
internal static class MarkdownReport
{
    public static string Render(RunReport report)
    {
        var text = new StringBuilder();
        text.AppendLine(CultureInfo.InvariantCulture, $"# Reflector Relay benchmark, {report.StartedAt}");
        text.AppendLine();
        text.AppendLine(CultureInfo.InvariantCulture, $"`{report.Command}`");
        text.AppendLine();
        text.AppendLine(CultureInfo.InvariantCulture, $"Machine: {report.Machine}");
        text.AppendLine();
        foreach (var note in report.Notes)
        {
            text.AppendLine(CultureInfo.InvariantCulture, $"**Note:** {note}");
            text.AppendLine();
        }

        text.AppendLine("Latency is per delivery, at the client: from the simulated Reflector writing the event to a tab reading it. " +
            "\"Edge\" is the process browsers connect to (the relay, the proxy, or for `direct` Reflector itself); " +
            "\"Reflector CPU\" is the simulated Reflector's. Ratios are to `direct`.");
        text.AppendLine();

        var systems = report.Systems;
        var direct = systems.Find(s => s.System == "direct");

        if (systems.Exists(s => s.Steady is not null))
        {
            var o = report.Options;
            text.AppendLine(CultureInfo.InvariantCulture, $"## Steady: {o.Users} users × {o.Tabs} tabs, {o.Rate:0} events/s for {o.Seconds:0.#} s");
            text.AppendLine();
            text.AppendLine("| system | connections | upstream sockets | p50 ms | p90 ms | p99 ms | max ms | deliveries/s | lost | duplicated | edge peak RSS MB | edge CPU s | Reflector CPU s | p99 ÷ direct | RSS ÷ direct | CPU ÷ direct |");
            text.AppendLine("| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |");
            foreach (var system in systems)
            {
                if (system.Steady is not { } s)
                {
                    continue;
                }

                var d = direct?.Steady;
                var upstreams = s.RelayReportedUpstreamSockets is { } reported ? $"{s.UpstreamSockets} (relay: {reported:0})" : $"{s.UpstreamSockets}";
                text.AppendLine(Invariant($"| {system.System} | {s.Connections}{Failed(s.ConnectFailures)} | {upstreams} | {s.Delivery.P50Ms:0.00} | {s.Delivery.P90Ms:0.00} | {s.Delivery.P99Ms:0.00} | {s.Delivery.MaxMs:0.0} | {s.Delivery.DeliveriesPerSecond:0} | {s.Delivery.Lost} | {s.Delivery.Duplicated} | {s.Cost.EdgePeakRssMb:0} | {s.Cost.EdgeCpuSeconds:0.00} | {s.Cost.ReflectorCpuSeconds:0.00} | {Ratio(s.Delivery.P99Ms, d?.Delivery.P99Ms)} | {Ratio(s.Cost.EdgePeakRssMb, d?.Cost.EdgePeakRssMb)} | {Ratio(s.Cost.EdgeCpuSeconds, d?.Cost.EdgeCpuSeconds)} |"));
            }

            text.AppendLine();
        }

        if (systems.Exists(s => s.Idle is not null))
        {
            text.AppendLine(CultureInfo.InvariantCulture, $"## Idle: {report.Options.IdleUsers} users × {report.Options.Tabs} tabs held, no events");
            text.AppendLine();
            text.AppendLine("| system | connections | connect s | upstream sockets | edge RSS before MB | edge RSS after MB | bytes per connection | ÷ direct |");
            text.AppendLine("| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |");
            foreach (var system in systems)
            {
                if (system.Idle is { } i)
                {
                    text.AppendLine(Invariant($"| {system.System} | {i.Connections}{Failed(i.ConnectFailures)} | {i.ConnectSeconds:0.0} | {i.UpstreamSockets} | {i.RssBeforeMb:0} | {i.RssAfterMb:0} | {i.BytesPerConnection:0} | {Ratio(i.BytesPerConnection, direct?.Idle?.BytesPerConnection)} |"));
                }
            }

            text.AppendLine();
        }

        if (systems.Exists(s => s.Burst is not null))
        {
            text.AppendLine(CultureInfo.InvariantCulture, $"## Burst: {report.Options.BurstUsers} users × {report.Options.Tabs} tabs connect at once, then {report.Options.BurstRounds} rounds of one event to every user at the same instant");
            text.AppendLine();
            text.AppendLine("| system | connections | all connected s | upstreams ready s | p50 ms | p99 ms | max ms | lost | duplicated | edge peak RSS MB | edge CPU s | p99 ÷ direct |");
            text.AppendLine("| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |");
            foreach (var system in systems)
            {
                if (system.Burst is { } b)
                {
                    text.AppendLine(Invariant($"| {system.System} | {b.Connections}{Failed(b.ConnectFailures)} | {b.ConnectSeconds:0.0} | {b.UpstreamsReadySeconds:0.0} | {b.Delivery.P50Ms:0.00} | {b.Delivery.P99Ms:0.00} | {b.Delivery.MaxMs:0.0} | {b.Delivery.Lost} | {b.Delivery.Duplicated} | {b.Cost.EdgePeakRssMb:0} | {b.Cost.EdgeCpuSeconds:0.00} | {Ratio(b.Delivery.P99Ms, direct?.Burst?.Delivery.P99Ms)} |"));
                }
            }

            text.AppendLine();
        }

        if (systems.Exists(s => s.Ramp is not null))
        {
            var o = report.Options;
            text.AppendLine(CultureInfo.InvariantCulture, $"## Ramp: {o.RampStepUsers} users × {o.Tabs} tabs more per step, {o.Rate:0} events/s for {o.RampSeconds:0.#} s at each, until p99 passes {o.RampP99TargetMs:0} ms");
            text.AppendLine();
            text.AppendLine("| system | most connections within target | ÷ direct | stopped because | steps (connections: p99 ms, edge RSS MB, KB per connection) |");
            text.AppendLine("| --- | ---: | ---: | --- | --- |");
            foreach (var system in systems)
            {
                if (system.Ramp is { } r)
                {
                    var steps = string.Join("; ", r.Steps.Select(step => Invariant($"{step.Connections}: {step.P99Ms:0.0}, {step.EdgeRssMb:0}, {step.BytesPerConnection / 1024:0.0}")));
                    text.AppendLine(Invariant($"| {system.System} | {r.MostConnectionsWithinTarget} | {Ratio(r.MostConnectionsWithinTarget, direct?.Ramp?.MostConnectionsWithinTarget)} | {r.StoppedBecause} | {steps} |"));
                }
            }

            text.AppendLine();
        }

        TranscriptsReport.Render(text, report);

        foreach (var system in systems)
        {
            if (system.Skipped is { } reason)
            {
                text.AppendLine(CultureInfo.InvariantCulture, $"- `{system.System}` skipped: {reason}");
            }

            foreach (var problem in system.Problems)
            {
                text.AppendLine(CultureInfo.InvariantCulture, $"- `{system.System}` problem: {problem.Split('\n')[0]}");
            }
        }

        return text.ToString();
    }

    private static string Failed(int failures) => failures > 0 ? Invariant($" ({failures} failed)") : "";

    private static string Ratio(double value, double? baseline) =>
        baseline is { } b && b > 0 && double.IsFinite(value) ? Invariant($"{value / b:0.00}×") : "–";

    private static string Invariant(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);
}
