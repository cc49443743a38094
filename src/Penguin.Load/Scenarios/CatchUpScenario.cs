using System.Diagnostics;
using Penguin.Client;
using Penguin.Load.Measurement;
using Penguin.Protocol;

namespace Penguin.Load.Scenarios;

/// <summary>
/// A device misses M messages while offline, then reconnects with its old cursor: how long until every missed
/// message has arrived, in order and once each. --senders friends push the M messages (as fast as
/// acknowledgements allow, --window in flight each) while the recipient is offline; that push is measured too.
/// </summary>
public sealed class CatchUpScenario : IScenario
{
    public string Name => "catchup";
    public string Description => "One device is offline while friends send it M messages; it reconnects with its old cursor and the time until every missed message has arrived (in order, no duplicates) is measured.";
    public string? Unavailable => null;
    public TimeSpan DefaultDuration => TimeSpan.FromMinutes(5);

    public async Task RunAsync(ScenarioContext context, CancellationToken ct)
    {
        var o = context.Options;
        var users = await SimulatedUsers.PrepareAsync(context, o.Senders + 1, withTokens: true, ct);
        if (users.Count < 2)
        {
            context.Fail("not enough users could be prepared");
            return;
        }
        var recipient = users[0];
        var friends = await Friendships.BefriendAsync(context, [.. users.Skip(1).Select(u => (u, recipient))], ct);
        var senders = users.Skip(1).Where((_, i) => friends[i]).ToArray();

        // The device's cursor before it goes offline: what it holds (its friend events included).
        var first = await PenguinConnection.ConnectAsync(context.WebSocketUri, recipient.Token!, since: null, status: null, context.Network.Invoker, ct);
        var cursor = first.LastSeq;
        await first.CloseAsync();

        var devices = await LiveDevices.ConnectAllAsync(context, senders, context.Operations.Supporting("setup:connect"), context.Concurrency(200), ct);
        var online = devices.OfType<PenguinConnection>().ToArray();
        if (online.Length == 0)
        {
            context.Fail("no sender could connect");
            return;
        }
        var ledger = new MessageLedger(online.Length);
        using var draining = CancellationTokenSource.CreateLinkedTokenSource(ct);
        var drains = online.Select(d => MessageTraffic.DrainAsync(d, draining.Token)).ToArray();

        // 1. The push: M messages stored for an offline device.
        var send = context.Operations.Measured("send");
        send.Plan(o.Messages);
        context.Progress.Track(send);
        context.Progress.Line($"{online.Length} senders push {o.Messages} messages to offline user {recipient.Number} (window {o.Window} each)");
        var limit = o.Duration ?? DefaultDuration;
        var cpuBefore = context.ServerCpuSeconds();
        var pushStarted = Stopwatch.GetTimestamp();
        using (var pushing = CancellationTokenSource.CreateLinkedTokenSource(ct))
        {
            pushing.CancelAfter(limit);
            await Task.WhenAll(online.Select((d, i) => MessageTraffic.SendAsync(new Sender(i, d, recipient.Number), ledger, send, rate: null, o.Window,
                o.Messages / online.Length + (i < o.Messages % online.Length ? 1 : 0), pushing.Token)));
        }
        var pushSeconds = Stopwatch.GetElapsedTime(pushStarted).TotalSeconds;
        var cpuPush = context.ServerCpuSeconds();
        await draining.CancelAsync();
        await Task.WhenAll(drains);
        await LiveDevices.CloseAllAsync(context, online);
        var owed = ledger.Acknowledged;
        context.Progress.Line($"{owed} messages acknowledged in {pushSeconds:F1} s; the device reconnects from seq {cursor}");
        await Task.Delay(TimeSpan.FromSeconds(1), ct);

        // 2. The catch-up: reconnect with the old cursor and wait for every missed message.
        var arrive = context.Operations.Measured("catch-up");
        arrive.Plan(owed);
        context.Progress.Track(arrive);
        var order = new OrderCheck(online.Length);
        var allArrived = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        long lastArrival = 0, firstArrival = 0;
        var cpuCatchUp = context.ServerCpuSeconds();
        var reconnectStarted = Stopwatch.GetTimestamp();
        using var receiving = CancellationTokenSource.CreateLinkedTokenSource(ct);
        receiving.CancelAfter(limit);
        PenguinConnection? device = null;
        Task reader = Task.CompletedTask;
        try
        {
            device = await PenguinConnection.ConnectAsync(context.WebSocketUri, recipient.Token!, since: cursor, status: null, context.Network.Invoker, receiving.Token);
            var authed = Stopwatch.GetElapsedTime(reconnectStarted).TotalMilliseconds;
            context.Figure("reconnect_ms", authed);
            reader = MessageTraffic.ReceiveAsync(device, recipient.Number, ledger, (received, arrival, _) =>
            {
                var now = Stopwatch.GetTimestamp();
                order.See(received);
                if (arrival != Arrival.First) return;
                Interlocked.CompareExchange(ref firstArrival, now, 0);
                arrive.SucceedSince(reconnectStarted);
                Volatile.Write(ref lastArrival, now);
                if (ledger.Received >= owed) allArrived.TrySetResult();
            }, receiving.Token);
            if (owed == 0) allArrived.TrySetResult();
            await allArrived.Task.WaitAsync(receiving.Token);
        }
        catch (OperationCanceledException) when (!ct.IsCancellationRequested)
        {
            context.Note($"the catch-up did not finish within {limit.TotalSeconds} s");
        }
        catch (Exception e) when (e is PenguinException or System.Net.WebSockets.WebSocketException or HttpRequestException)
        {
            context.Fail($"the device could not reconnect: {OperationStats.Describe(e)}");
        }
        var cpuEnd = context.ServerCpuSeconds();
        // Anything arriving shortly after the last missed message would be a duplicate.
        if (device is not null) await Task.Delay(TimeSpan.FromSeconds(1), ct);
        await receiving.CancelAsync();
        await reader;
        var missing = ledger.Missing;
        for (var i = 0; i < missing; i++) arrive.Settle("acknowledged, never arrived");

        var catchUpSeconds = lastArrival == 0 ? 0 : Stopwatch.GetElapsedTime(reconnectStarted, lastArrival).TotalSeconds;
        context.Figure("senders", online.Length);
        context.Figure("messages_sent", ledger.Sent);
        context.Figure("messages_acknowledged", owed);
        context.Figure("messages_rejected", ledger.Rejected);
        context.Figure("push_seconds", pushSeconds);
        context.Figure("push_acknowledged_per_second", owed / pushSeconds);
        context.Figure("messages_caught_up", ledger.Received);
        context.Figure("catch_up_seconds", catchUpSeconds);
        if (firstArrival != 0) context.Figure("first_message_ms", Stopwatch.GetElapsedTime(reconnectStarted, firstArrival).TotalMilliseconds);
        if (catchUpSeconds > 0) context.Figure("catch_up_messages_per_second", ledger.Received / catchUpSeconds);
        context.Figure("acknowledged_never_arrived", missing);
        context.Figure("duplicates", ledger.Duplicates);
        context.Figure("out_of_order", order.OutOfOrder);
        if (cpuBefore is { } c0 && cpuPush is { } c1 && owed > 0) context.Figure("server_cpu_us_per_stored_message", (c1 - c0) * 1e6 / owed);
        if (cpuCatchUp is { } c2 && cpuEnd is { } c3 && ledger.Received > 0) context.Figure("server_cpu_us_per_caught_up_message", (c3 - c2) * 1e6 / ledger.Received);
        if (context.ServerProcess?.SampleNow() is { } sample) context.Figure("server_rss_end_kib", sample.RssKiB);

        foreach (var failure in ledger.Failures()) context.Fail(failure);
        if (order.OutOfOrder > 0) context.Fail($"{order.OutOfOrder} events arrived out of order");
        if (device is not null) await device.CloseAsync();
    }

    /// <summary>Durable events must arrive in strictly increasing seq, and each sender's messages in the order sent.</summary>
    public sealed class OrderCheck(int streams)
    {
        private readonly long[] _lastNumber = [.. Enumerable.Repeat(-1L, streams)];
        private long _lastSeq = -1;

        public long OutOfOrder { get; private set; }

        /// <summary>Called by the single reader of the connection, in arrival order.</summary>
        public void See(MessageReceived received)
        {
            if (received.Seq <= _lastSeq) OutOfOrder++;
            _lastSeq = Math.Max(_lastSeq, received.Seq);
            if (!MessageLedger.TryParseClientId(received.Message.ClientId, out var stream, out var number) || stream >= _lastNumber.Length) return;
            if (number <= _lastNumber[stream]) OutOfOrder++;
            _lastNumber[stream] = Math.Max(_lastNumber[stream], number);
        }
    }
}
