using System.Diagnostics;

namespace Penguin.Load.Scenarios;

/// <summary>A sender that sends only what it has been allowed (with --rate): the chat pair's and the group member's.</summary>
public interface IPacedSender
{
    /// <summary>Completes when the sender's connection has ended (pacing stops).</summary>
    Task Completion { get; }

    /// <summary>Allows one more message and sends it if the window has room.</summary>
    void Allow();

    /// <summary>Begins sending: as fast as the window allows, or only what <see cref="Allow"/> lets through.</summary>
    void Start();

    /// <summary>Sends nothing more; what is in flight still gets its answer.</summary>
    void Stop();
}

public static class SendPacing
{
    /// <summary>
    /// The measured sending phase of every scenario: all senders start, paced at <paramref name="rate"/> per sender
    /// when given, and stop after <paramref name="duration"/> (or when <paramref name="ct"/> is cancelled).
    /// </summary>
    public static async Task SendForAsync(IReadOnlyList<IPacedSender> senders, double? rate, TimeSpan duration, CancellationToken ct)
    {
        using var sending = CancellationTokenSource.CreateLinkedTokenSource(ct);
        sending.CancelAfter(duration);
        foreach (var sender in senders) sender.Start();
        var pacers = rate is { } r ? senders.Select(x => PaceAsync(x, r, sending.Token)).ToArray() : [];
        try { await Task.Delay(Timeout.InfiniteTimeSpan, sending.Token); }
        catch (OperationCanceledException) when (!ct.IsCancellationRequested) { }
        foreach (var sender in senders) sender.Stop();
        await Task.WhenAll(pacers);
    }

    /// <summary>Allows <paramref name="sender"/> one message every 1/<paramref name="rate"/> s until <paramref name="stop"/>, starting at a random point of the first interval.</summary>
    public static async Task PaceAsync(IPacedSender sender, double rate, CancellationToken stop)
    {
        var interval = (long)(Stopwatch.Frequency / rate);
        var next = Stopwatch.GetTimestamp() + Random.Shared.NextInt64(interval);
        try
        {
            while (!stop.IsCancellationRequested && !sender.Completion.IsCompleted)
            {
                var wait = next - Stopwatch.GetTimestamp();
                if (wait > 0) await Task.Delay(TimeSpan.FromSeconds((double)wait / Stopwatch.Frequency), stop);
                next += interval;
                sender.Allow();
            }
        }
        catch (OperationCanceledException) when (stop.IsCancellationRequested)
        {
        }
    }
}
