using System.Globalization;
using System.Text;
using Reflector.Relay.Bench.Scenarios;

namespace Reflector.Relay.Bench.Reporting;

/// <summary>The transcripts scenario's table: a row per system, ratios to <c>direct</c>.</summary>
internal static class TranscriptsReport
{
    public static void Render(StringBuilder text, BenchOptions o, List<SystemResult> systems)
    {
        if (!systems.Exists(s => s.Transcripts is not null))
        {
            return;
        }

        var direct = systems.Find(s => s.System == "direct")?.Transcripts;
        text.AppendLine(Invariant($"## Transcripts: {o.TranscriptUsers} users × {o.Tabs} tabs on {o.Transcripts} live transcripts, {o.TranscriptRate:0.#} events/s on each for {o.Seconds:0.#} s"));
        text.AppendLine();
        text.AppendLine(Invariant($"Of every 20 events 16 TRANSCRIPT, 2 DURATION, 1 TOPIC ({o.TopicSegments} segments), 1 WAVEFORM (255 values); every tab of a user follows the same transcript. ") +
            "Latency is over the stamped events (TRANSCRIPT texts, TOPIC ids); \"lost\" and \"dup/misplaced\" check every event, DURATION and WAVEFORM in their place between them. " +
            "Sockets are Reflector's, counted during the load: per-transcript (and per-user `/v1/events` for the relay), and the most one user held on one transcript.");
        text.AppendLine();
        text.AppendLine("| system | connections | transcript sockets | user sockets | per user & transcript | p50 ms | p90 ms | p99 ms | max ms | TOPIC p50 / p99 ms | delivered / expected | lost | dup/misplaced | edge peak RSS MB | edge CPU s | Reflector CPU s | p99 ÷ direct | CPU ÷ direct | Reflector CPU ÷ direct |");
        text.AppendLine("| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |");
        foreach (var system in systems)
        {
            if (system.Transcripts is not { } t)
            {
                continue;
            }

            var d = t.Delivery.All;
            var sockets = t.RelayTranscriptStreams is { } streams ? Invariant($"{t.TranscriptSockets} (relay: {streams:0})") : Invariant($"{t.TranscriptSockets}");
            var failed = t.ConnectFailures > 0 ? Invariant($" ({t.ConnectFailures} failed)") : "";
            text.AppendLine(Invariant(
                $"| {system.System} | {t.Connections}{failed} | {sockets} | {t.UserSockets} | {t.MostSocketsPerUserAndTranscript} | {d.P50Ms:0.00} | {d.P90Ms:0.00} | {d.P99Ms:0.00} | {d.MaxMs:0.0} | {t.Delivery.TopicP50Ms:0.00} / {t.Delivery.TopicP99Ms:0.00} | {d.Deliveries} / {t.ExpectedDeliveries} | {d.Lost} | {d.Duplicated} | {t.Cost.EdgePeakRssMb:0} | {t.Cost.EdgeCpuSeconds:0.00} | {t.Cost.ReflectorCpuSeconds:0.00} | {Ratio(d.P99Ms, direct?.Delivery.All.P99Ms)} | {Ratio(t.Cost.EdgeCpuSeconds, direct?.Cost.EdgeCpuSeconds)} | {Ratio(t.Cost.ReflectorCpuSeconds, direct?.Cost.ReflectorCpuSeconds)} |"));
            if (t.FirstConnectError is { } error)
            {
                text.AppendLine(CultureInfo.InvariantCulture, $"| | first connect error: {error.Split('\n')[0]} |");
            }
        }

        text.AppendLine();
    }

    private static string Ratio(double value, double? baseline) =>
        baseline is { } b && b > 0 && double.IsFinite(value) ? Invariant($"{value / b:0.00}×") : "–";

    private static string Invariant(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);
}
