using System.Diagnostics;

namespace Penguin.Load.Measurement;

/// <summary>
/// Samples a process (the server), or the sum of several (the nodes of a cluster), once a second into the time
/// series and keeps the first, last and peak samples.
/// </summary>
public sealed class ProcessSampler(IReadOnlyList<int> pids, TimeSeries series) : IAsyncDisposable
{
    private readonly CancellationTokenSource _stop = new();
    private Task _loop = Task.CompletedTask;
    private long _peakRssKiB;

    public ProcessSampler(int pid, TimeSeries series) : this([pid], series)
    {
    }

    /// <summary>The first process sampled (the only one, unless this is a cluster).</summary>
    public int Pid => Pids[0];

    public IReadOnlyList<int> Pids { get; } = pids.Count > 0 ? pids : throw new ArgumentException("No process to sample.", nameof(pids));
    public ProcessSample? First { get; private set; }
    public ProcessSample? Last { get; private set; }
    public long PeakRssKiB => Interlocked.Read(ref _peakRssKiB);
    public TimeSpan Span { get; private set; }

    /// <summary>Server CPU over the sampled span as a percentage of one core.</summary>
    public double CpuPercent => First is { } a && Last is { } b && Span.TotalSeconds > 0 ? 100 * (b.CpuSeconds - a.CpuSeconds) / Span.TotalSeconds : 0;

    public void Start()
    {
        First = Last = Read();
        if (First is { } f) _peakRssKiB = f.RssKiB;
        _loop = LoopAsync();
    }

    /// <summary>Samples now (outside the once-a-second rhythm).</summary>
    public ProcessSample? SampleNow()
    {
        var sample = Read();
        if (sample is not null)
        {
            Last = sample;
            long peak;
            do peak = Interlocked.Read(ref _peakRssKiB);
            while (sample.RssKiB > peak && Interlocked.CompareExchange(ref _peakRssKiB, sample.RssKiB, peak) != peak);
        }
        return sample;
    }

    /// <summary>Each process on its own (null where it has gone), in <see cref="Pids"/> order.</summary>
    public ProcessSample?[] SampleEach() => [.. Pids.Select(ProcFiles.Read)];

    /// <summary>The sum over the processes still alive; null when none is.</summary>
    private ProcessSample? Read()
    {
        var alive = SampleEach().OfType<ProcessSample>().ToArray();
        return alive.Length == 0 ? null : alive.Length == 1 ? alive[0] : ProcessSample.Sum(alive);
    }

    private async Task LoopAsync()
    {
        var started = Stopwatch.GetTimestamp();
        using var timer = new PeriodicTimer(TimeSpan.FromSeconds(1));
        var previous = First;
        var previousAt = started;
        try
        {
            while (await timer.WaitForNextTickAsync(_stop.Token))
            {
                var now = Stopwatch.GetTimestamp();
                var sample = SampleNow();
                Span = Stopwatch.GetElapsedTime(started, now);
                if (sample is null) continue;
                double? cpu = previous is null ? null : 100 * (sample.CpuSeconds - previous.CpuSeconds) / Stopwatch.GetElapsedTime(previousAt, now).TotalSeconds;
                series.RecordServer(sample.RssKiB, cpu);
                previous = sample;
                previousAt = now;
            }
        }
        catch (OperationCanceledException)
        {
        }
        Span = Stopwatch.GetElapsedTime(started);
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        await _loop;
        SampleNow();
        _stop.Dispose();
    }
}
