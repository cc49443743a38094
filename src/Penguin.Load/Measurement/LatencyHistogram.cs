namespace Penguin.Load.Measurement;

/// <summary>
/// Exact latency percentiles: keeps every sample (bounded by <see cref="MaxSamples"/>) and sorts on demand.
/// Percentiles use the nearest-rank method: the p-th percentile is the smallest sample with at least p% of
/// the samples at or below it, so p50 of 1..100 is 50 and p99 is 99.
/// </summary>
public sealed class LatencyHistogram
{
    /// <summary>Samples kept; a run of this tool is bounded well below this.</summary>
    public const int MaxSamples = 4_000_000;

    private readonly List<double> _samples = [];
    private readonly Lock _lock = new();
    private long _dropped;

    public int Count
    {
        get { lock (_lock) return _samples.Count; }
    }

    /// <summary>Samples not kept because the cap was reached.</summary>
    public long Dropped => Interlocked.Read(ref _dropped);

    public void Record(double milliseconds)
    {
        lock (_lock)
        {
            if (_samples.Count >= MaxSamples)
            {
                _dropped++;
                return;
            }
            _samples.Add(milliseconds);
        }
    }

    public LatencySummary Summarize()
    {
        double[] sorted;
        lock (_lock) sorted = [.. _samples];
        Array.Sort(sorted);
        return LatencySummary.FromSorted(sorted);
    }
}

/// <summary>Latency figures in milliseconds; all zero when there were no samples.</summary>
public sealed record LatencySummary(int Count, double Mean, double P50, double P90, double P99, double Max)
{
    public static LatencySummary Empty { get; } = new(0, 0, 0, 0, 0, 0);

    public static LatencySummary FromSorted(IReadOnlyList<double> sorted)
    {
        if (sorted.Count == 0) return Empty;
        var sum = 0.0;
        foreach (var s in sorted) sum += s;
        return new(sorted.Count, sum / sorted.Count, Percentile(sorted, 50), Percentile(sorted, 90), Percentile(sorted, 99), sorted[^1]);
    }

    /// <summary>Nearest-rank percentile of ascending samples.</summary>
    public static double Percentile(IReadOnlyList<double> sorted, double percent)
    {
        if (sorted.Count == 0) return 0;
        var rank = (int)Math.Ceiling(percent / 100.0 * sorted.Count);
        return sorted[Math.Clamp(rank, 1, sorted.Count) - 1];
    }
}
