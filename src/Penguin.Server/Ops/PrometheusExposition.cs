using System.Collections.Concurrent;
using System.Diagnostics.Metrics;
using System.Globalization;
using System.Text;

namespace Penguin.Server.Ops;

/// <summary>
/// Serves System.Diagnostics.Metrics instruments as Prometheus text (version 0.0.4) at /metrics: the node's own
/// (<see cref="PenguinMetrics"/>, the SQLite writer), the framework's (Kestrel, ASP.NET Core hosting, routing…) and
/// the runtime's ("System.Runtime").
/// <para>
/// Why not OpenTelemetry's Prometheus exporter: it is still a beta (1.20.1-beta.1), and an OpenTelemetry
/// MeterProvider subscribes to meters by name for the whole process, so two nodes hosted in one process (as every
/// in-process test does) would report each other's connections and sessions. This listener takes only the meters
/// made by its own host's <see cref="IMeterFactory"/> (Meter.Scope), plus the process-wide runtime meter. The
/// instruments themselves are standard, so an OpenTelemetry SDK (OTLP) can be added later without touching them.
/// </para>
/// </summary>
public sealed class PrometheusExposition : IDisposable
{
    private static readonly double[] DefaultBounds = [0, 5, 10, 25, 50, 75, 100, 250, 500, 750, 1000, 2500, 5000, 7500, 10000];
    private static readonly HashSet<string> ProcessWideMeters = ["System.Runtime"];

    private readonly MeterListener _listener = new();
    private readonly IMeterFactory _factory;
    private readonly ConcurrentDictionary<Instrument, Series> _series = new();

    public PrometheusExposition(IMeterFactory factory)
    {
        _factory = factory;
        _listener.InstrumentPublished = (instrument, listener) =>
        {
            if (!ReferenceEquals(instrument.Meter.Scope, _factory) && !ProcessWideMeters.Contains(instrument.Meter.Name)) return;
            listener.EnableMeasurementEvents(instrument, _series.GetOrAdd(instrument, i => new Series(i)));
        };
        _listener.MeasurementsCompleted = (instrument, _) => _series.TryRemove(instrument, out Series? _);
        _listener.SetMeasurementEventCallback<long>((_, value, tags, state) => ((Series)state!).Record(value, tags));
        _listener.SetMeasurementEventCallback<int>((_, value, tags, state) => ((Series)state!).Record(value, tags));
        _listener.SetMeasurementEventCallback<short>((_, value, tags, state) => ((Series)state!).Record(value, tags));
        _listener.SetMeasurementEventCallback<byte>((_, value, tags, state) => ((Series)state!).Record(value, tags));
        _listener.SetMeasurementEventCallback<double>((_, value, tags, state) => ((Series)state!).Record(value, tags));
        _listener.SetMeasurementEventCallback<float>((_, value, tags, state) => ((Series)state!).Record(value, tags));
        _listener.SetMeasurementEventCallback<decimal>((_, value, tags, state) => ((Series)state!).Record((double)value, tags));
        _listener.Start();
    }

    public string Render()
    {
        _listener.RecordObservableInstruments();
        var text = new StringBuilder();
        foreach (var group in _series.Values.Where(s => s.HasValues).GroupBy(s => s.Name).OrderBy(g => g.Key, StringComparer.Ordinal))
        {
            var first = group.First();
            text.Append("# HELP ").Append(group.Key).Append(' ').Append(Escape(first.Description, help: true)).Append('\n');
            text.Append("# TYPE ").Append(group.Key).Append(' ').Append(first.Type).Append('\n');
            foreach (var series in group) series.Write(text);
        }
        return text.ToString();
    }

    public void Dispose() => _listener.Dispose();

    /// <summary>OpenTelemetry's Prometheus naming: dots to underscores, the unit as a suffix, "_total" on counters.</summary>
    internal static string PrometheusName(string name, string? unit, bool monotonic)
    {
        var sb = new StringBuilder(name.Length + 16);
        foreach (var c in name) sb.Append(char.IsAsciiLetterOrDigit(c) ? char.ToLowerInvariant(c) : '_');
        var suffix = unit switch
        {
            "s" => "seconds",
            "ms" => "milliseconds",
            "By" => "bytes",
            "1" => "ratio",
            _ => null,
        };
        if (suffix is not null && !sb.ToString().EndsWith("_" + suffix, StringComparison.Ordinal)) sb.Append('_').Append(suffix);
        if (monotonic) sb.Append("_total");
        return sb.ToString();
    }

    private static string Escape(string? value, bool help = false)
    {
        if (string.IsNullOrEmpty(value)) return "";
        var escaped = value.Replace("\\", "\\\\", StringComparison.Ordinal).Replace("\n", "\\n", StringComparison.Ordinal);
        return help ? escaped : escaped.Replace("\"", "\\\"", StringComparison.Ordinal);
    }

    private static string Number(double value) =>
        double.IsPositiveInfinity(value) ? "+Inf" : double.IsNegativeInfinity(value) ? "-Inf" : value.ToString("R", CultureInfo.InvariantCulture);

    private enum Kind { Counter, UpDownCounter, Gauge, ObservedCounter, ObservedGauge, Histogram }

    private sealed class Series
    {
        private readonly Kind _kind;
        private readonly double[] _bounds = [];
        private readonly ConcurrentDictionary<string, Cell> _cells = new(StringComparer.Ordinal);
        private readonly Cell _untagged;
        private readonly ConcurrentDictionary<(string, object?), Cell> _single = new();

        public Series(Instrument instrument)
        {
            var type = instrument.GetType();
            var generic = type.IsGenericType ? type.GetGenericTypeDefinition() : type;
            _kind = generic == typeof(Counter<>) ? Kind.Counter
                : generic == typeof(UpDownCounter<>) ? Kind.UpDownCounter
                : generic == typeof(Histogram<>) ? Kind.Histogram
                : generic == typeof(ObservableCounter<>) ? Kind.ObservedCounter
                : generic == typeof(ObservableUpDownCounter<>) || generic == typeof(ObservableGauge<>) ? Kind.ObservedGauge
                : Kind.Gauge;
            if (_kind == Kind.Histogram) _bounds = Bounds(instrument);
            Name = PrometheusName(instrument.Name, instrument.Unit, _kind is Kind.Counter or Kind.ObservedCounter);
            Description = instrument.Description ?? instrument.Name;
            _untagged = new Cell("", _bounds.Length);
        }

        public string Name { get; }

        public string Description { get; }

        public bool HasValues => _untagged.Seen || !_cells.IsEmpty;

        public string Type => _kind switch
        {
            Kind.Counter or Kind.ObservedCounter => "counter",
            Kind.Histogram => "histogram",
            _ => "gauge",
        };

        public void Record(double value, ReadOnlySpan<KeyValuePair<string, object?>> tags)
        {
            var cell = tags.Length switch
            {
                0 => _untagged,
                // One tag (outcome, kind, state…) on a hot path: found without building its label text.
                1 => _single.TryGetValue((tags[0].Key, tags[0].Value), out var known) ? known : _single.GetOrAdd((tags[0].Key, tags[0].Value), Tagged(tags)),
                _ => Tagged(tags),
            };
            if (_kind is Kind.Counter or Kind.UpDownCounter)
            {
                // Counters are bumped per frame and per message: no lock, one compare-exchange.
                cell.Seen = true;
                cell.Add(value);
                return;
            }
            lock (cell)
            {
                cell.Seen = true;
                switch (_kind)
                {
                    case Kind.Histogram:
                        var bucket = 0;
                        while (bucket < _bounds.Length && value > _bounds[bucket]) bucket++;
                        cell.Buckets[bucket]++;
                        cell.Value += value;
                        cell.Count++;
                        break;
                    default:
                        cell.Value = value; // observed instruments report their current (cumulative) value
                        break;
                }
            }
        }

        public void Write(StringBuilder text)
        {
            foreach (var cell in _cells.Values.Prepend(_untagged).Where(c => c.Seen).OrderBy(c => c.Labels, StringComparer.Ordinal))
            {
                lock (cell)
                {
                    if (_kind != Kind.Histogram)
                    {
                        text.Append(Name).Append(Braces(cell.Labels)).Append(' ').Append(Number(cell.Value)).Append('\n');
                        continue;
                    }
                    long cumulative = 0;
                    for (var i = 0; i <= _bounds.Length; i++)
                    {
                        cumulative += cell.Buckets[i];
                        var le = $"le=\"{Number(i < _bounds.Length ? _bounds[i] : double.PositiveInfinity)}\"";
                        text.Append(Name).Append("_bucket{").Append(cell.Labels.Length == 0 ? le : cell.Labels + "," + le).Append("} ").Append(cumulative).Append('\n');
                    }
                    text.Append(Name).Append("_sum").Append(Braces(cell.Labels)).Append(' ').Append(Number(cell.Value)).Append('\n');
                    text.Append(Name).Append("_count").Append(Braces(cell.Labels)).Append(' ').Append(cell.Count).Append('\n');
                }
            }
        }

        private Cell Tagged(ReadOnlySpan<KeyValuePair<string, object?>> tags) => _cells.GetOrAdd(Labels(tags), key => new Cell(key, _bounds.Length));

        private static string Braces(string labels) => labels.Length == 0 ? "" : "{" + labels + "}";

        private static string Labels(ReadOnlySpan<KeyValuePair<string, object?>> tags)
        {
            var pairs = new List<string>(tags.Length);
            foreach (var tag in tags)
            {
                var key = new string([.. tag.Key.Select(c => char.IsAsciiLetterOrDigit(c) ? c : '_')]);
                var value = Convert.ToString(tag.Value, CultureInfo.InvariantCulture);
                pairs.Add($"{key}=\"{Escape(value)}\"");
            }
            pairs.Sort(StringComparer.Ordinal);
            return string.Join(',', pairs);
        }

        private static double[] Bounds(Instrument instrument) => instrument switch
        {
            Histogram<double> h when h.Advice?.HistogramBucketBoundaries is { } b => [.. b],
            Histogram<long> h when h.Advice?.HistogramBucketBoundaries is { } b => [.. b.Select(x => (double)x)],
            Histogram<int> h when h.Advice?.HistogramBucketBoundaries is { } b => [.. b.Select(x => (double)x)],
            _ => DefaultBounds,
        };
    }

    private sealed class Cell(string labels, int bounds)
    {
        private double _value;

        public string Labels { get; } = labels;
        public long[] Buckets { get; } = new long[bounds + 1];
        public double Value { get => Volatile.Read(ref _value); set => Volatile.Write(ref _value, value); }
        public long Count { get; set; }
        public bool Seen { get; set; }

        public void Add(double amount)
        {
            var current = Volatile.Read(ref _value);
            while (true)
            {
                var seen = Interlocked.CompareExchange(ref _value, current + amount, current);
                if (seen.Equals(current)) return;
                current = seen;
            }
        }
    }
}
