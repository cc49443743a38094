using System.Diagnostics;
using static System.FormattableString;

namespace Penguin.Load.Measurement;

/// <summary>Once a second, one line on stderr: elapsed, the current phase's done/total, its rate and failures, server memory.</summary>
public sealed class ProgressPrinter(TextWriter output, Func<ProcessSample?> server) : IAsyncDisposable
{
    private readonly CancellationTokenSource _stop = new();
    private readonly long _origin = Stopwatch.GetTimestamp();
    private OperationStats? _current;
    private Task _loop = Task.CompletedTask;

    /// <summary>Shows the progress of <paramref name="operation"/> from now on.</summary>
    public void Track(OperationStats operation) => Volatile.Write(ref _current, operation);

    public void Line(string text) => output.WriteLine(Invariant($"[{Stopwatch.GetElapsedTime(_origin).TotalSeconds,6:F1}s] {text}"));

    public void Start() => _loop = LoopAsync();

    private async Task LoopAsync()
    {
        using var timer = new PeriodicTimer(TimeSpan.FromSeconds(1));
        long previousDone = 0;
        OperationStats? previousOp = null;
        try
        {
            while (await timer.WaitForNextTickAsync(_stop.Token))
            {
                var op = Volatile.Read(ref _current);
                if (op is null) continue;
                var done = op.Succeeded + op.Failed;
                if (!ReferenceEquals(op, previousOp)) previousDone = 0;
                var total = op.Planned > 0 ? op.Planned.ToString(System.Globalization.CultureInfo.InvariantCulture) : "?";
                var rss = server() is { } s ? Invariant($" | server rss {s.RssKiB / 1024.0:F0} MiB") : "";
                Line(Invariant($"{op.Name} {done}/{total} (+{done - previousDone}/s) failed {op.Failed} in flight {op.InFlight}{rss}"));
                previousDone = done;
                previousOp = op;
            }
        }
        catch (OperationCanceledException)
        {
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        await _loop;
        _stop.Dispose();
    }
}
