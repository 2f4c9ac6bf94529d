namespace Reflector.Relay.Bench.Measurement;

/// <summary>Per-delivery latency at the client (ms) and what arrived.</summary>
internal sealed record DeliveryStats(
    long Deliveries,
    double DeliveriesPerSecond,
    double P50Ms,
    double P90Ms,
    double P99Ms,
    double MaxMs,
    long Lost,
    long Duplicated,
    long Unexpected)
{
    public static DeliveryStats From(double[] latenciesMs, long deliveries, long lost, long duplicated, long unexpected, double seconds)
    {
        Array.Sort(latenciesMs);
        return new DeliveryStats(
            deliveries,
            seconds > 0 ? deliveries / seconds : 0,
            Percentile(latenciesMs, 0.50),
            Percentile(latenciesMs, 0.90),
            Percentile(latenciesMs, 0.99),
            latenciesMs.Length > 0 ? latenciesMs[^1] : double.NaN,
            lost,
            duplicated,
            unexpected);
    }

    // Nearest rank.
    private static double Percentile(double[] sorted, double quantile) =>
        sorted.Length == 0 ? double.NaN : sorted[Math.Clamp((int)Math.Ceiling(quantile * sorted.Length) - 1, 0, sorted.Length - 1)];
}
