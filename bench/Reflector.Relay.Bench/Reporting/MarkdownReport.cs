using System.Globalization;
using System.Text;
using Reflector.Relay.Bench.Hosting;
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

        var o = report.Options;
        text.AppendLine(CultureInfo.InvariantCulture, $"Upstream: {UpstreamHost.Describe(o.Upstream)}.");
        text.AppendLine();
        text.AppendLine(CultureInfo.InvariantCulture, $"GC: {GcMode.Describe(o.Gc)}.");
        text.AppendLine();
        if (report.Systems.Exists(s => s.System == "cluster"))
        {
            var spread = o.ClusterSpread == "tab"
                ? "by tab (a user's tabs over the nodes, so most deliveries cross Redis from the node holding the user's socket)"
                : Invariant($"by user (every tab of a user on one node, as a sticky cookie per browser sends them; user u on node u mod {o.ClusterNodes})");
            text.AppendLine(Invariant($"`cluster`: {o.ClusterNodes} relay processes (JSON protocol) on one redis-server of their own, tabs spread {spread}."));
            text.AppendLine();
        }

        text.AppendLine("Latency is per delivery, at the client: from the upstream writing the event (the simulated Reflector) or the load " +
            "publishing it to the user's Redis room (the Python upstream) to a tab reading it. " +
            "\"Edge\" is the process browsers connect to (the relay, the proxy, or for `direct` Reflector itself), summed over a cluster's nodes; " +
            "\"Reflector\" is the upstream (with its Redis, for the Python one); \"whole system\" is edge, Reflector and the cluster's Redis, each process once. " +
            "Ratios are to `direct`.");
        text.AppendLine();

        if (report.Runs.Count == 1)
        {
            Tables(text, o, report.Systems);
            return text.ToString();
        }

        RunsSummary.Render(text, report);
        for (var run = 0; run < report.Runs.Count; run++)
        {
            text.AppendLine(Invariant($"# Run {run + 1} of {report.Runs.Count}: {string.Join(", ", report.Runs[run].Select(s => s.System))}"));
            text.AppendLine();
            Tables(text, o, report.InOrder(report.Runs[run]));
        }

        return text.ToString();
    }

    /// <summary>One run's tables: a table per scenario, then the whole system per scenario, then what was skipped or failed.</summary>
    private static void Tables(StringBuilder text, BenchOptions o, List<SystemResult> systems)
    {
        var direct = systems.Find(s => s.System == "direct");

        if (systems.Exists(s => s.Steady is not null))
        {
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
            text.AppendLine(CultureInfo.InvariantCulture, $"## Idle: {o.IdleUsers} users × {o.Tabs} tabs held, no events");
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
            text.AppendLine(CultureInfo.InvariantCulture, $"## Burst: {o.BurstUsers} users × {o.Tabs} tabs connect at once, then {o.BurstRounds} rounds of one event to every user at the same instant");
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

        TranscriptsReport.Render(text, o, systems);

        if (systems.Exists(s => s.Restart is not null))
        {
            text.AppendLine(Invariant($"## Restart: {o.RestartUsers} users × {o.Tabs} tabs, {o.Rate:0} events/s, the relay (each node in turn) stopped with SIGTERM and started again on its port"));
            text.AppendLine();
            text.AppendLine("Tabs reconnect by themselves after a close (delays before each attempt in the header of each row, the last repeated); a " +
                "cluster's balancer takes a node out while it is down, so its tabs move to the next node and stay there. Seconds from the SIGTERM. " +
                "\"Lost while up\": events missing from a tab that was connected and told its upstream was up from the send until 5 s after (the soak's ledger).");
            text.AppendLine();
            text.AppendLine("| system | connections | reconnect delays | restarts (node: tabs on it; exited, running, tabs back, upstreams ready s) | reconnects per tab (reconnects: tabs) | tabs over once per own restart | not back | failed attempts | events sent | owed while up | lost while up | lost in gaps | duplicated | to another user |");
            text.AppendLine("| --- | ---: | --- | --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |");
            foreach (var system in systems)
            {
                if (system.Restart is { } r)
                {
                    var restarts = string.Join("; ", r.Restarts.Select(n => Invariant($"{n.Node}: {n.Tabs}; {n.StoppedSeconds:0.0}, {n.RunningSeconds:0.0}, {n.TabsBackSeconds:0.0}, {n.UpstreamsReadySeconds:0.0}")));
                    var d = r.Delivery;
                    text.AppendLine(Invariant($"| {system.System} | {r.Connections}{Failed(r.ConnectFailures)} | {r.ReconnectDelays} | {restarts} | {r.ReconnectsPerTab} | {r.TabsOverOwnRestarts} | {r.TabsNotBack} | {r.FailedAttempts} | {r.EventsSent} | {d.DueWhileUp} | {d.LostWhileUp} | {d.LostInGap} | {d.Duplicated} | {d.Foreign} |"));
                }
            }

            text.AppendLine();
        }

        WholeSystem(text, "steady", systems, s => s.Steady is { } r ? (r.UpstreamSockets, r.Delivery.Deliveries, r.Cost) : null);
        WholeSystem(text, "idle", systems, s => s.Idle is { } r ? (r.UpstreamSockets, 0, r.Cost) : null);
        WholeSystem(text, "burst", systems, s => s.Burst is { } r ? (r.UpstreamSockets, r.Delivery.Deliveries, r.Cost) : null);
        WholeSystem(text, "transcripts", systems, s => s.Transcripts is { } r ? (r.UserSockets + r.TranscriptSockets, r.Delivery.All.Deliveries, r.Cost) : null);

        foreach (var system in systems)
        {
            if (system.Skipped is { } reason)
            {
                text.AppendLine(CultureInfo.InvariantCulture, $"- `{system.System}` skipped: {reason}");
            }

            foreach (var skipped in system.SkippedScenarios)
            {
                text.AppendLine(CultureInfo.InvariantCulture, $"- `{system.System}` skipped {skipped}");
            }

            foreach (var problem in system.Problems)
            {
                text.AppendLine(CultureInfo.InvariantCulture, $"- `{system.System}` problem: {problem.Split('\n')[0]}");
            }
        }

        text.AppendLine();
    }

    /// <summary>
    /// What users of each system buy, measured in the same run: the sockets Reflector holds and what it spends, next to
    /// what the edge spends and the whole system together; for the cluster, its Redis and the commands it ran per delivery.
    /// </summary>
    private static void WholeSystem(
        StringBuilder text, string scenario, List<SystemResult> systems, Func<SystemResult, (int? UpstreamSockets, long Deliveries, ServerCost Cost)?> pick)
    {
        var rows = systems.Select(system => (system.System, Row: pick(system))).Where(row => row.Row is not null).ToList();
        if (rows.Count == 0)
        {
            return;
        }

        var direct = rows.Find(row => row.System == "direct").Row;
        text.AppendLine(CultureInfo.InvariantCulture, $"## Whole system, {scenario}: Reflector, the edge, and everything together");
        text.AppendLine();
        text.AppendLine("| system | upstream sockets | deliveries | Reflector CPU s | Reflector peak RSS MB | edge CPU s | edge peak RSS MB | Redis CPU s | Redis peak RSS MB | Redis commands per delivery | whole CPU s | whole peak RSS MB | Reflector CPU ÷ direct | whole CPU ÷ direct | whole RSS ÷ direct |");
        text.AppendLine("| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |");
        foreach (var (system, row) in rows)
        {
            var (sockets, deliveries, c) = row!.Value;
            var perDelivery = c.RedisCommands is { } commands && deliveries > 0 ? Invariant($"{commands / (double)deliveries:0.00}") : c.RedisCommands is { } all ? Invariant($"{all} in all") : "–";
            text.AppendLine(Invariant(
                $"| {system} | {(sockets is { } n ? n.ToString(CultureInfo.InvariantCulture) : "–")} | {deliveries} | {c.ReflectorCpuSeconds:0.00} | {c.ReflectorPeakRssMb:0} | {c.EdgeCpuSeconds:0.00} | {c.EdgePeakRssMb:0} | {Optional(c.RedisCpuSeconds, "0.00")} | {Optional(c.RedisPeakRssMb, "0")} | {perDelivery} | {c.SystemCpuSeconds:0.00} | {c.SystemPeakRssMb:0} | {Ratio(c.ReflectorCpuSeconds, direct?.Cost.ReflectorCpuSeconds)} | {Ratio(c.SystemCpuSeconds, direct?.Cost.SystemCpuSeconds)} | {Ratio(c.SystemPeakRssMb, direct?.Cost.SystemPeakRssMb)} |"));
        }

        text.AppendLine();
    }

    private static string Optional(double? value, string format) => value is { } v ? v.ToString(format, CultureInfo.InvariantCulture) : "–";

    private static string Failed(int failures) => failures > 0 ? Invariant($" ({failures} failed)") : "";

    private static string Ratio(double value, double? baseline) =>
        baseline is { } b && b > 0 && double.IsFinite(value) ? Invariant($"{value / b:0.00}×") : "–";

    private static string Invariant(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);
}
