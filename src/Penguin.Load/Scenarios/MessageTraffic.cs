using System.Diagnostics;
using Penguin.Client;
using Penguin.Load.Measurement;
using Penguin.Protocol;

namespace Penguin.Load.Scenarios;

/// <summary>One sending connection: its stream in the ledger and whom it writes to.</summary>
public sealed record Sender(int Stream, PenguinConnection Device, long To);

/// <summary>A recipient for the final sync check: its live device (null or closed: connect anew at <paramref name="WebSocketUri"/>) and the cursor to sync from.</summary>
public sealed record SyncTarget(long Number, string Token, PenguinConnection? Device, Uri WebSocketUri, long Since);

/// <summary>Sending and receiving 1:1 messages with every message accounted in a <see cref="MessageLedger"/>.</summary>
public static class MessageTraffic
{
    /// <summary>A short, realistic text (Chinese, so the trigram search index does its usual work) naming the message.</summary>
    public static string Text(string clientId) => "压测 " + clientId + " 你好，今天过得怎么样？";

    /// <summary>
    /// Sends until <paramref name="stop"/> or <paramref name="quota"/> messages: at <paramref name="rate"/> per second
    /// (null: as fast as acknowledgements allow), never more than <paramref name="window"/> unacknowledged. Returns
    /// once every message sent has its answer (or its 30 s request timeout).
    /// </summary>
    public static async Task SendAsync(Sender sender, MessageLedger ledger, OperationStats send, double? rate, int window, long quota, CancellationToken stop)
    {
        using var slots = new SemaphoreSlim(window, window);
        var interval = rate is { } r ? (long)(Stopwatch.Frequency / r) : 0;
        // Spread the pairs' first sends over one interval so they do not tick in step.
        var next = Stopwatch.GetTimestamp() + (interval > 0 ? Random.Shared.NextInt64(interval) : 0);
        long sent = 0;
        try
        {
            while (sent < quota && !stop.IsCancellationRequested && !sender.Device.Completion.IsCompleted)
            {
                if (interval > 0)
                {
                    var wait = next - Stopwatch.GetTimestamp();
                    if (wait > 0) await Task.Delay(TimeSpan.FromSeconds((double)wait / Stopwatch.Frequency), stop);
                    // Behind schedule (a slow server or a busy machine): catch up by at most one second's worth.
                    next = Math.Max(next + interval, Stopwatch.GetTimestamp() - Stopwatch.Frequency);
                }
                await slots.WaitAsync(stop);
                sent++;
                _ = SendOneAsync(sender, ledger, send, slots);
            }
        }
        catch (OperationCanceledException) when (stop.IsCancellationRequested)
        {
        }
        for (var i = 0; i < window; i++) await slots.WaitAsync(CancellationToken.None);
    }

    private static async Task SendOneAsync(Sender sender, MessageLedger ledger, OperationStats send, SemaphoreSlim slots)
    {
        var started = send.Start();
        var number = ledger.Send(sender.Stream, started);
        var clientId = MessageLedger.ClientId(sender.Stream, number);
        try
        {
            await sender.Device.SendTextAsync(sender.To, Text(clientId), clientId);
            send.Succeed(started);
            ledger.Acknowledge(sender.Stream, number);
        }
        catch (Exception e)
        {
            send.Fail(started, OperationStats.Describe(e));
            ledger.Reject(sender.Stream, number);
        }
        finally
        {
            slots.Release();
        }
    }

    /// <summary>
    /// Reads a recipient's events until <paramref name="ct"/> or the connection ends, accounting every message
    /// from someone else; <paramref name="arrived"/> sees each with its arrival kind and send timestamp, and
    /// <paramref name="other"/> every other frame.
    /// </summary>
    public static async Task ReceiveAsync(PenguinConnection device, long self, MessageLedger ledger, Action<MessageReceived, Arrival, long> arrived, CancellationToken ct,
        Action<ServerFrame>? other = null)
    {
        try
        {
            await foreach (var frame in device.ReadEventsAsync(ct))
            {
                if (frame is not MessageReceived received)
                {
                    other?.Invoke(frame); // group messages, for a scenario that accounts them
                    continue;
                }
                if (received.Message.From == self) continue;
                var arrival = ledger.Receive(received.Message.ClientId, out var sentAt);
                arrived(received, arrival, sentAt);
            }
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
        }
    }

    /// <summary>Consumes a sender's own events (its copies of what it sent, receipts) so they do not pile up in the client.</summary>
    public static async Task DrainAsync(PenguinConnection device, CancellationToken ct)
    {
        try
        {
            await foreach (var _ in device.ReadEventsAsync(ct))
            {
            }
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
        }
    }

    /// <summary>Waits until no acknowledged message is missing and none is in flight, or <paramref name="limit"/> passes.</summary>
    public static async Task<bool> WaitSettledAsync(MessageLedger ledger, TimeSpan limit, CancellationToken ct)
    {
        var deadline = Stopwatch.GetTimestamp() + (long)(limit.TotalSeconds * Stopwatch.Frequency);
        while (ledger.Missing > 0 || ledger.Unsettled > 0)
        {
            if (Stopwatch.GetTimestamp() > deadline) return false;
            await Task.Delay(50, ct);
        }
        return true;
    }

    /// <summary>
    /// The final check of a run: each target asks for every event after its <see cref="SyncTarget.Since"/>
    /// (reconnecting first when its device is gone; the new device is read by a task added to
    /// <paramref name="readers"/> and closed when <paramref name="listening"/> ends). Call
    /// <see cref="MessageLedger.BeginSyncCheck"/> first, so re-sent copies are not counted as duplicates and first
    /// arrivals count as recovered by sync. Returns once the ledger has settled or 3 s have passed.
    /// </summary>
    public static async Task SyncCheckAsync(ScenarioContext context, MessageLedger ledger, IReadOnlyList<SyncTarget> targets,
        Action<MessageReceived, Arrival, long> arrived, List<Task> readers, CancellationToken listening)
    {
        var check = context.Operations.Supporting("check:sync");
        check.Plan(targets.Count);
        await Parallel.ForEachAsync(targets, new ParallelOptions { MaxDegreeOfParallelism = 64 }, async (target, _) =>
        {
            await check.MeasureAsync(async () =>
            {
                var device = target.Device;
                if (device is null || device.Completion.IsCompleted)
                {
                    device = await PenguinConnection.ConnectAsync(target.WebSocketUri, target.Token, since: null, status: null, context.Network.Invoker, listening);
                    lock (readers) readers.Add(ReadThenCloseAsync(device, target.Number, ledger, arrived, listening));
                }
                await device.SyncAsync(target.Since, listening);
            });
        });
        // Synced comes after the events it sends; give the readers a moment to account them.
        await WaitSettledAsync(ledger, TimeSpan.FromSeconds(3), listening);
    }

    private static async Task ReadThenCloseAsync(PenguinConnection device, long self, MessageLedger ledger, Action<MessageReceived, Arrival, long> arrived, CancellationToken ct)
    {
        await ReceiveAsync(device, self, ledger, arrived, ct);
        await device.CloseAsync();
    }
}
