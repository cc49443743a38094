using System.Diagnostics;
using Penguin.Load.Reporting;

namespace Penguin.Load.Measurement;

/// <summary>What is counted per phase of a run.</summary>
public enum PhaseCounter
{
    Login,
    Logout,
    Drop,
    MessagePlanned,
    MessageSent,
    MessageAcknowledged,
    Delivered,
    DeliveredAfterLogin,
    Read,
    PresenceChange,
    Ping,
    Error,
}

/// <summary>
/// Counters, delivery latency and server samples per phase of a run, the phase being chosen by the time since
/// <see cref="Start"/> (e.g. one phase per simulated hour) until <see cref="Finish"/>, then the last phase
/// (what happens after: the final logins and checks).
/// </summary>
public sealed class PhaseBuckets
{
    private readonly string[] _names;
    private readonly Phase[] _phases;
    private readonly TimeSpan _length;
    private long _origin;
    private volatile int _forced = -1;

    /// <param name="names">One name per phase; the last one is where everything after <see cref="Finish"/> goes.</param>
    /// <param name="length">How long each phase but the last lasts.</param>
    public PhaseBuckets(IReadOnlyList<string> names, TimeSpan length)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(names.Count, 2);
        _names = [.. names];
        _phases = [.. names.Select(_ => new Phase())];
        _length = length;
    }

    public int Phases => _phases.Length;

    /// <summary>The phase now: by time since <see cref="Start"/>, capped at the last timed phase; the last one after <see cref="Finish"/>.</summary>
    public int Current
    {
        get
        {
            if (_forced >= 0) return _forced;
            var origin = Interlocked.Read(ref _origin);
            if (origin == 0) return 0;
            return Math.Min(_phases.Length - 2, (int)(Stopwatch.GetElapsedTime(origin) / _length));
        }
    }

    /// <summary>Phase 0 starts now; <paramref name="cpuSeconds"/> and <paramref name="rssKiB"/> are the server's readings at this moment.</summary>
    public void Start(double? cpuSeconds, long? rssKiB)
    {
        Interlocked.Exchange(ref _origin, Stopwatch.GetTimestamp());
        Mark(0, cpuSeconds, rssKiB);
    }

    /// <summary>The timed phases are over: from now on everything goes to the last phase.</summary>
    public void Finish(double? cpuSeconds, long? rssKiB)
    {
        Mark(_phases.Length - 1, cpuSeconds, rssKiB);
        _forced = _phases.Length - 1;
    }

    /// <summary>The server's readings at the start of phase <paramref name="phase"/> (taken by whoever sees the phase begin).</summary>
    public void Mark(int phase, double? cpuSeconds, long? rssKiB)
    {
        var p = _phases[phase];
        lock (p)
        {
            if (p.StartedAt != 0) return;
            p.StartedAt = Stopwatch.GetTimestamp();
            p.CpuAtStart = cpuSeconds;
        }
        if (phase > 0)
        {
            var previous = _phases[phase - 1];
            lock (previous)
            {
                previous.CpuAtEnd ??= cpuSeconds;
                previous.RssAtEnd ??= rssKiB;
                if (previous.EndedAt == 0) previous.EndedAt = p.StartedAt;
            }
        }
    }

    /// <summary>The end of the last phase (the end of the run's measurements).</summary>
    public void End(double? cpuSeconds, long? rssKiB)
    {
        var last = _phases[^1];
        lock (last)
        {
            last.CpuAtEnd = cpuSeconds;
            last.RssAtEnd = rssKiB;
            last.EndedAt = Stopwatch.GetTimestamp();
        }
    }

    public void Count(PhaseCounter counter, long by = 1) => Count(Current, counter, by);

    /// <summary>Counts into a given phase (e.g. what was planned for it), whatever the clock says.</summary>
    public void Count(int phase, PhaseCounter counter, long by = 1) => Interlocked.Add(ref _phases[phase].Counters[(int)counter], by);

    /// <summary>A message arrived live, <paramref name="milliseconds"/> after it was sent.</summary>
    public void Delivered(double milliseconds)
    {
        var p = _phases[Current];
        Interlocked.Increment(ref p.Counters[(int)PhaseCounter.Delivered]);
        p.Latency.Record(milliseconds);
    }

    /// <summary>How many devices are online now (sampled regularly: average and maximum per phase).</summary>
    public void Online(long devices)
    {
        var p = _phases[Current];
        lock (p)
        {
            p.OnlineSum += devices;
            p.OnlineSamples++;
            p.OnlineMax = Math.Max(p.OnlineMax, devices);
        }
    }

    public long Total(PhaseCounter counter) => _phases.Sum(p => Interlocked.Read(ref p.Counters[(int)counter]));

    public long this[int phase, PhaseCounter counter] => Interlocked.Read(ref _phases[phase].Counters[(int)counter]);

    public IReadOnlyList<PhaseReport> Report()
    {
        var reports = new List<PhaseReport>(_phases.Length);
        for (var i = 0; i < _phases.Length; i++)
        {
            var p = _phases[i];
            lock (p)
            {
                var seconds = p.StartedAt == 0 || p.EndedAt < p.StartedAt ? 0 : Stopwatch.GetElapsedTime(p.StartedAt, p.EndedAt).TotalSeconds;
                long C(PhaseCounter c) => p.Counters[(int)c];
                reports.Add(new PhaseReport(
                    _names[i], seconds,
                    p.OnlineSamples == 0 ? 0 : (double)p.OnlineSum / p.OnlineSamples, p.OnlineMax,
                    C(PhaseCounter.Login), C(PhaseCounter.Logout), C(PhaseCounter.Drop),
                    C(PhaseCounter.MessagePlanned), C(PhaseCounter.MessageSent), C(PhaseCounter.MessageAcknowledged),
                    C(PhaseCounter.Delivered), C(PhaseCounter.DeliveredAfterLogin),
                    seconds > 0 ? (C(PhaseCounter.Delivered) + C(PhaseCounter.DeliveredAfterLogin)) / seconds : 0,
                    p.Latency.Summarize(),
                    C(PhaseCounter.Read), C(PhaseCounter.PresenceChange), C(PhaseCounter.Ping), C(PhaseCounter.Error),
                    p.CpuAtStart is { } c0 && p.CpuAtEnd is { } c1 && seconds > 0 ? (c1 - c0) / seconds : null,
                    p.RssAtEnd));
            }
        }
        return reports;
    }

    private sealed class Phase
    {
        public readonly long[] Counters = new long[Enum.GetValues<PhaseCounter>().Length];
        public readonly LatencyHistogram Latency = new();
        public long StartedAt, EndedAt, OnlineSum, OnlineSamples, OnlineMax;
        public double? CpuAtStart, CpuAtEnd;
        public long? RssAtEnd;
    }
}

/// <summary>A straight line through the phases of a run (e.g. server cores busy against messages per second).</summary>
public static class PhaseFit
{
    /// <summary>Least squares y = intercept + slope · x; null with fewer than 3 points or no spread in x.</summary>
    public static (double Slope, double Intercept)? Linear(IReadOnlyList<(double X, double Y)> points)
    {
        if (points.Count < 3) return null;
        var mx = points.Average(p => p.X);
        var my = points.Average(p => p.Y);
        var sxx = points.Sum(p => (p.X - mx) * (p.X - mx));
        if (sxx <= 1e-12) return null;
        var slope = points.Sum(p => (p.X - mx) * (p.Y - my)) / sxx;
        return (slope, my - slope * mx);
    }
}
