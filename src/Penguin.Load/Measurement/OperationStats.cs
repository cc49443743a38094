using System.Collections.Concurrent;
using System.Diagnostics;
using Penguin.Client;

namespace Penguin.Load.Measurement;

/// <summary>
/// Accounting of one kind of operation (register, connect, ping...): every attempt ends as succeeded or
/// failed, with its latency and, on failure, the reason. Planned minus attempted is what never started
/// (the run hit its time limit first).
/// </summary>
public sealed class OperationStats(string name, bool measured, TimeSeries series, bool charted = true)
{
    private readonly ConcurrentDictionary<string, long> _errors = new();
    private long _planned, _attempted, _succeeded, _failed, _firstStart = long.MaxValue, _lastEnd;

    public string Name { get; } = name;

    /// <summary>Measured operations are the subject of the run and feed the time series; setup and teardown are only accounted.</summary>
    public bool Measured { get; } = measured;

    /// <summary>Whether the measured operation's completions feed the chart (a run charts one thing, e.g. deliveries not sends).</summary>
    public bool Charted { get; } = measured && charted;

    public LatencyHistogram Latency { get; } = new();

    public long Planned => Interlocked.Read(ref _planned);
    public long Attempted => Interlocked.Read(ref _attempted);
    public long Succeeded => Interlocked.Read(ref _succeeded);
    public long Failed => Interlocked.Read(ref _failed);
    public long InFlight => Attempted - Succeeded - Failed;
    public IReadOnlyDictionary<string, long> Errors => _errors;

    /// <summary>Seconds from the first attempt to the last completion.</summary>
    public double ActiveSeconds
    {
        get
        {
            var first = Interlocked.Read(ref _firstStart);
            var last = Interlocked.Read(ref _lastEnd);
            return first == long.MaxValue || last < first ? 0 : Stopwatch.GetElapsedTime(first, last).TotalSeconds;
        }
    }

    /// <summary>Successes per second over the active window.</summary>
    public double Throughput => ActiveSeconds > 0 ? Succeeded / ActiveSeconds : 0;

    public void Plan(long count) => Interlocked.Add(ref _planned, count);

    /// <summary>Counts an attempt and returns its start timestamp.</summary>
    public long Start()
    {
        Interlocked.Increment(ref _attempted);
        var now = Stopwatch.GetTimestamp();
        long first;
        do first = Interlocked.Read(ref _firstStart);
        while (now < first && Interlocked.CompareExchange(ref _firstStart, now, first) != first);
        return now;
    }

    public void Succeed(long started)
    {
        var elapsed = Finish(started);
        Interlocked.Increment(ref _succeeded);
        Latency.Record(elapsed);
        if (Charted) series.Record(succeeded: true, elapsed);
    }

    public void Fail(long started, string reason)
    {
        Finish(started);
        Interlocked.Increment(ref _failed);
        _errors.AddOrUpdate(reason, 1, (_, n) => n + 1);
        if (Charted) series.Record(succeeded: false, 0);
    }

    /// <summary>Accounts an outcome that is checked rather than timed (e.g. "still connected at the end"): no latency, no throughput.</summary>
    public void Tally(bool succeeded, string? reason = null)
    {
        Interlocked.Increment(ref _attempted);
        if (succeeded) Interlocked.Increment(ref _succeeded);
        else
        {
            Interlocked.Increment(ref _failed);
            _errors.AddOrUpdate(reason ?? "failed", 1, (_, n) => n + 1);
        }
    }

    /// <summary>Accounts an attempt that began at <paramref name="started"/> (a Stopwatch timestamp taken elsewhere) and succeeded now.</summary>
    public void SucceedSince(long started)
    {
        Interlocked.Increment(ref _attempted);
        long first;
        do first = Interlocked.Read(ref _firstStart);
        while (started < first && Interlocked.CompareExchange(ref _firstStart, started, first) != first);
        Succeed(started);
    }

    /// <summary>Closes an attempt as failed when the outcome is only known at the end (e.g. never arrived): no latency, no effect on the active window.</summary>
    public void Settle(string reason)
    {
        Interlocked.Increment(ref _attempted);
        Interlocked.Increment(ref _failed);
        _errors.AddOrUpdate(reason, 1, (_, n) => n + 1);
    }

    /// <summary>Runs one operation, accounting it; returns default on failure (the reason is recorded).</summary>
    public async Task<T?> MeasureAsync<T>(Func<Task<T>> operation)
    {
        var started = Start();
        try
        {
            var result = await operation();
            Succeed(started);
            return result;
        }
        catch (Exception e)
        {
            Fail(started, Describe(e));
            return default;
        }
    }

    public async Task<bool> MeasureAsync(Func<Task> operation) =>
        await MeasureAsync(async () => { await operation(); return true; });

    /// <summary>A short, stable reason for a failure: the protocol error code, or the exception type.</summary>
    public static string Describe(Exception e) => e switch
    {
        PenguinException p => p.Status > 0 ? $"{p.Error.Code} (HTTP {p.Status})" : p.Error.Code,
        OperationCanceledException => "timeout or cancelled",
        AggregateException { InnerException: { } inner } => Describe(inner),
        _ when e.InnerException is { } inner && e is System.Net.WebSockets.WebSocketException or HttpRequestException =>
            $"{e.GetType().Name}: {Describe(inner)}",
        System.Net.Sockets.SocketException s => $"SocketException {s.SocketErrorCode}",
        _ => e.GetType().Name,
    };

    private double Finish(long started)
    {
        var now = Stopwatch.GetTimestamp();
        long last;
        do last = Interlocked.Read(ref _lastEnd);
        while (now > last && Interlocked.CompareExchange(ref _lastEnd, now, last) != last);
        return Stopwatch.GetElapsedTime(started, now).TotalMilliseconds;
    }
}
