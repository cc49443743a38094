using System.Diagnostics;

namespace Penguin.Load.Scenarios;

/// <summary>A sender that sends only what it has been allowed (with --rate): the chat pair's and the group member's.</summary>
public interface IPacedSender
{
    /// <summary>Completes when the sender's connection has ended (pacing stops).</summary>
    Task Completion { get; }

    /// <summary>Allows one more message and sends it if the window has room.</summary>
    void Allow();
}

public static class SendPacing
{
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
