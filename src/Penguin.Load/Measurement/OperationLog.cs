using System.Collections.Concurrent;

namespace Penguin.Load.Measurement;

/// <summary>Every kind of operation of a run, in the order first used, sharing one time series.</summary>
public sealed class OperationLog(TimeSeries series)
{
    private readonly ConcurrentDictionary<string, OperationStats> _byName = new();
    private readonly List<OperationStats> _ordered = [];

    public TimeSeries Series { get; } = series;

    /// <summary>The measured operation <paramref name="name"/>: the subject of the run.</summary>
    public OperationStats Measured(string name, bool charted = true) => Get(name, measured: true, charted);

    /// <summary>A setup or teardown operation: accounted, but not in the throughput chart.</summary>
    public OperationStats Supporting(string name) => Get(name, measured: false);

    public IReadOnlyList<OperationStats> All
    {
        get { lock (_ordered) return [.. _ordered]; }
    }

    private OperationStats Get(string name, bool measured, bool charted = true) => _byName.GetOrAdd(name, n =>
    {
        var stats = new OperationStats(n, measured, Series, charted);
        lock (_ordered) _ordered.Add(stats);
        return stats;
    });
}
