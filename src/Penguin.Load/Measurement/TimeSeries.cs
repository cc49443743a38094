using System.Diagnostics;

namespace Penguin.Load.Measurement;

/// <summary>One second of a run: measured operations completed in it, their latency, and the server's state.</summary>
public sealed record SeriesPoint(int Second, long Succeeded, long Failed, double P50Ms, double P99Ms, long? ServerRssKiB, double? ServerCpuPercent, long? Online = null);

/// <summary>Per-second buckets of measured completions and latencies, plus server samples, from the start of the run.</summary>
public sealed class TimeSeries
{
    /// <summary>Longest series kept; the run's own caps keep it far shorter.</summary>
    public const int MaxSeconds = 3600;

    private readonly long _origin = Stopwatch.GetTimestamp();
    private readonly Bucket[] _buckets = new Bucket[MaxSeconds];
    private int _lastSecond = -1;

    public TimeSpan Elapsed => Stopwatch.GetElapsedTime(_origin);

    public void Record(bool succeeded, double latencyMs)
    {
        var bucket = Current();
        if (bucket is null) return;
        lock (bucket)
        {
            if (succeeded)
            {
                bucket.Succeeded++;
                bucket.Latencies.Add(latencyMs);
            }
            else bucket.Failed++;
        }
    }

    public void RecordServer(long? rssKiB, double? cpuPercent)
    {
        var bucket = Current();
        if (bucket is null) return;
        lock (bucket)
        {
            bucket.RssKiB = rssKiB ?? bucket.RssKiB;
            bucket.CpuPercent = cpuPercent ?? bucket.CpuPercent;
        }
    }

    /// <summary>How many devices the scenario has online in this second (scenarios whose online count changes over the run).</summary>
    public void RecordOnline(long devices)
    {
        var bucket = Current();
        if (bucket is null) return;
        lock (bucket) bucket.Online = devices;
    }

    /// <summary>Every second from the start to the last one touched.</summary>
    public IReadOnlyList<SeriesPoint> Points()
    {
        var last = Math.Min(Volatile.Read(ref _lastSecond), MaxSeconds - 1);
        var points = new List<SeriesPoint>(last + 1);
        for (var s = 0; s <= last; s++)
        {
            var b = Volatile.Read(ref _buckets[s]);
            if (b is null)
            {
                points.Add(new SeriesPoint(s, 0, 0, 0, 0, null, null));
                continue;
            }
            lock (b)
            {
                var sorted = b.Latencies.ToArray();
                Array.Sort(sorted);
                points.Add(new SeriesPoint(s, b.Succeeded, b.Failed,
                    LatencySummary.Percentile(sorted, 50), LatencySummary.Percentile(sorted, 99), b.RssKiB, b.CpuPercent, b.Online));
            }
        }
        return points;
    }

    private Bucket? Current()
    {
        var second = (int)Elapsed.TotalSeconds;
        if (second >= MaxSeconds) return null;
        int last;
        do last = Volatile.Read(ref _lastSecond);
        while (second > last && Interlocked.CompareExchange(ref _lastSecond, second, last) != last);
        var bucket = Volatile.Read(ref _buckets[second]);
        if (bucket is not null) return bucket;
        Interlocked.CompareExchange(ref _buckets[second], new Bucket(), null);
        return _buckets[second];
    }

    private sealed class Bucket
    {
        public long Succeeded;
        public long Failed;
        public readonly List<double> Latencies = [];
        public long? RssKiB;
        public double? CpuPercent;
        public long? Online;
    }
}
