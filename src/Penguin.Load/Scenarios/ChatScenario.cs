using System.Diagnostics;
using Penguin.Load.Hosting;
using Penguin.Load.Measurement;
using Penguin.Load.Net;

namespace Penguin.Load.Scenarios;

/// <summary>
/// N pairs of friends, both online; in each pair one side sends to the other at --rate (or as fast as
/// acknowledgements allow, --window in flight) for --duration. Every message is accounted: sent, acknowledged
/// (msg.sent), received by the recipient (matched by client id), and after a grace period the recipients still
/// missing an acknowledged message sync from where they started. An acknowledged message that never arrives
/// fails the run. Latency is send → receive on the same process clock.
/// </summary>
public sealed class ChatScenario : IScenario
{
    /// <summary>After sending stops: how long in-flight messages may take to arrive before the sync check.</summary>
    public static readonly TimeSpan Grace = TimeSpan.FromSeconds(5);

    public string Name => "chat";
    public string Description => "Pairs of friends, both online, one sending 1:1 messages to the other; send→ack and send→receive latency, delivered messages/s, and a check that every acknowledged message arrived.";
    public string? Unavailable => null;
    public TimeSpan DefaultDuration => TimeSpan.FromSeconds(30);

    public async Task RunAsync(ScenarioContext context, CancellationToken ct)
    {
        var o = context.Options;
        var users = await SimulatedUsers.PrepareAsync(context, o.Users - o.Users % 2, withTokens: true, ct);
        var candidates = Enumerable.Range(0, users.Count / 2).Select(i => (A: users[2 * i], B: users[2 * i + 1])).ToArray();
        var friends = await Friendships.BefriendAsync(context, candidates, ct);
        var befriended = candidates.Where((_, i) => friends[i]).ToArray();
        // Devices are [A0, B0, A1, B1, …]: A sends, B receives; pair i sits on node i mod N (B on the next with --cross-node).
        int NodeOf(int device) => NodePlacement.ForPairSide(device / 2, recipient: device % 2 == 1, context.Servers.Count, o.CrossNode);
        var devices = await ConnectAllAsync(context, [.. befriended.SelectMany(p => (SimulatedUser[])[p.A, p.B])], NodeOf, ct);
        var pairs = Enumerable.Range(0, befriended.Length)
            .Where(i => devices[2 * i] is not null && devices[2 * i + 1] is not null)
            .Select(i => new Pair(befriended[i].A, devices[2 * i]!, befriended[i].B, devices[2 * i + 1]!, NodeOf(2 * i), NodeOf(2 * i + 1)))
            .ToArray();
        if (pairs.Length == 0)
        {
            context.Fail("no pair of friends could be connected");
            await CloseAllAsync(context, devices);
            return;
        }

        var ledger = new MessageLedger(pairs.Length);
        var send = context.Operations.Measured("send", charted: false);
        var deliver = context.Operations.Measured("deliver");
        using var listening = CancellationTokenSource.CreateLinkedTokenSource(ct);
        var cursors = pairs.Select(p => p.Recipient.LastSeq).ToArray();
        var readers = new List<Task>();
        void Arrived(Arrival arrival, long sentAt)
        {
            if (arrival == Arrival.First) deliver.SucceedSince(sentAt);
        }
        var senders = pairs.Select((p, i) => new WireSender(p.Sender, i, p.To.Number, ledger, send, o.Window, o.Rate)).ToArray();
        foreach (var p in pairs) _ = new WireRecipient(p.Recipient, ledger, Arrived);
        // One ack per recipient that received something in the last 20 ms (as the general client does), from one timer for all.
        var acknowledging = AcknowledgeAsync([.. pairs.Select(p => p.Recipient)], listening.Token);

        var duration = o.Duration ?? DefaultDuration;
        context.Progress.Line($"{pairs.Length} pairs online; sending {(o.Rate is { } r ? $"{r} msgs/s per pair" : $"as fast as acks allow, window {o.Window}")} for {duration.TotalSeconds} s");
        context.Progress.Track(deliver);
        await Task.Delay(TimeSpan.FromSeconds(1), ct); // let the connect burst's presence traffic settle
        var cpuBefore = context.ServerCpuSeconds();
        var writerBefore = context.ServerWriterCpuSeconds();
        var writerWallBefore = await WriterTimeAsync(context, ct);
        // The tool's own CPU: on a machine this small it competes with the server for the same cores.
        var toolBefore = Process.GetCurrentProcess().TotalProcessorTime;
        var nodesBefore = context.NodeCpuSeconds();
        var servicesBefore = context.Services?.Read();
        var started = Stopwatch.GetTimestamp();
        await SendPacing.SendForAsync(senders, o.Rate, duration, ct);
        // Every message sent gets its answer, or 30 s pass (the general client's request timeout).
        var answering = Stopwatch.GetTimestamp();
        while (senders.Any(x => x.InFlight > 0 && !x.Device.Completion.IsCompleted) && Stopwatch.GetElapsedTime(answering) < TimeSpan.FromSeconds(30))
            await Task.Delay(10, ct);
        foreach (var sender in senders)
            sender.RejectUnanswered(sender.Device.Completion.IsCompleted ? "connection closed" : "timeout or cancelled");
        var sendSeconds = Stopwatch.GetElapsedTime(started).TotalSeconds;
        var settled = await MessageTraffic.WaitSettledAsync(ledger, Grace, ct);
        var cpuAfter = context.ServerCpuSeconds();
        var writerAfter = context.ServerWriterCpuSeconds();
        var writerWallAfter = await WriterTimeAsync(context, ct);
        var toolSeconds = (Process.GetCurrentProcess().TotalProcessorTime - toolBefore).TotalSeconds;
        var nodesAfter = context.NodeCpuSeconds();
        var servicesAfter = context.Services?.Read();
        var measuredSeconds = Stopwatch.GetElapsedTime(started).TotalSeconds;
        var deliveredLive = ledger.Received;

        var synced = settled ? 0 : await SyncCheckAsync(context, pairs, cursors, ledger, deliver, readers, listening.Token);
        await listening.CancelAsync();
        await Task.WhenAll(readers);
        await acknowledging;

        deliver.Plan(ledger.Acknowledged);
        var missing = ledger.Missing;
        for (var i = 0; i < missing; i++) deliver.Settle("acknowledged, never arrived");
        send.Plan(ledger.Sent);

        context.Figure("pairs", pairs.Length);
        context.Figure("nodes", context.Servers.Count);
        context.Figure("pairs_across_nodes", pairs.Count(p => p.SenderNode != p.RecipientNode));
        context.Figure("send_seconds", sendSeconds);
        context.Figure("messages_sent", ledger.Sent);
        context.Figure("messages_acknowledged", ledger.Acknowledged);
        context.Figure("messages_rejected", ledger.Rejected);
        context.Figure("messages_delivered", ledger.Received);
        context.Figure("delivered_per_second", deliver.Throughput);
        context.Figure("acknowledged_per_second", ledger.Acknowledged / sendSeconds);
        context.Figure("delivered_live", deliveredLive);
        context.Figure("recovered_by_sync", ledger.ReceivedBySync);
        context.Figure("recipients_sync_checked", synced);
        context.Figure("acknowledged_never_arrived", missing);
        context.Figure("duplicates", ledger.Duplicates);
        context.Figure("received_unacknowledged", ledger.ReceivedUnacknowledged);
        if (cpuBefore is { } c0 && cpuAfter is { } c1 && ledger.Received > 0)
        {
            context.Figure("server_cpu_seconds", c1 - c0);
            context.Figure("server_cpu_us_per_message", (c1 - c0) * 1e6 / ledger.Received);
            context.Figure("server_cores_busy", (c1 - c0) / measuredSeconds);
        }
        if (writerBefore is { } w0 && writerAfter is { } w1 && ledger.Received > 0)
        {
            context.Figure("server_writer_cpu_us_per_message", (w1 - w0) * 1e6 / ledger.Received);
            context.Figure("server_writer_cores_busy", (w1 - w0) / measuredSeconds);
        }
        if (writerWallBefore is { } ww0 && writerWallAfter is { } ww1 && ledger.Received > 0)
        {
            // Wall time of the writer's batches (their statements and the commit with its fsync), from its own
            // histogram: the ceiling of one writer is 1 / this.
            context.Figure("server_writer_wall_us_per_message", (ww1.Seconds - ww0.Seconds) * 1e6 / ledger.Received);
            if (ww1.Batches > ww0.Batches)
            {
                context.Figure("server_writer_batches", ww1.Batches - ww0.Batches);
                context.Figure("server_writer_writes_per_batch", (ww1.Writes - ww0.Writes) / (ww1.Batches - ww0.Batches));
            }
        }
        if (ledger.Received > 0)
        {
            context.Figure("load_tool_cpu_us_per_message", toolSeconds * 1e6 / ledger.Received);
            context.Figure("load_tool_cores_busy", toolSeconds / measuredSeconds);
        }
        if (context.Servers.Count > 1 && nodesBefore.Length == context.Servers.Count)
            foreach (var (node, cpu) in ChatCost.PerNode(nodesBefore, nodesAfter))
                context.Figure($"node{node}_cpu_seconds", cpu);
        if (servicesBefore is { } s0 && servicesAfter is { } s1 && ledger.Received > 0)
            foreach (var (name, value) in ChatCost.Services(s0, s1, cpuAfter - cpuBefore, ledger.Received, measuredSeconds))
                context.Figure(name, value);
        if (context.ServerProcess?.SampleNow() is { } sample) context.Figure("server_rss_end_kib", sample.RssKiB);
        var unanswered = devices.OfType<WireDevice>().Sum(d => d.UnansweredErrors);
        context.Figure("server_errors_unanswered", unanswered);
        if (unanswered > 0)
            context.Fail($"the server answered {unanswered} frames of the tool's with an error no request asked for (first: {devices.OfType<WireDevice>().Select(d => d.FirstUnansweredError).First(c => c is not null)}): the tool sent something the server could not read");
        if (ledger.ReceivedBySync > 0)
            context.Note($"{ledger.ReceivedBySync} messages arrived only through the final sync, not live");
        foreach (var failure in ledger.Failures()) context.Fail(failure);
        if (ledger.Acknowledged == 0) context.Fail("no message was acknowledged: nothing was measured");
        if (pairs.Length < candidates.Length) context.Note($"only {pairs.Length} of {candidates.Length} pairs were online when sending started (see the setup failures)");

        await CloseAllAsync(context, devices);
    }

    /// <summary>Connects every user's lean device (WebSocket + auth with its token) to node <paramref name="nodeOf"/>(i); the slot of a failed device is null.</summary>
    internal static async Task<WireDevice?[]> ConnectAllAsync(ScenarioContext context, IReadOnlyList<SimulatedUser> users, Func<int, int> nodeOf, CancellationToken ct)
    {
        var connect = context.Operations.Supporting("setup:connect");
        connect.Plan(users.Count);
        context.Progress.Track(connect);
        var devices = new WireDevice?[users.Count];
        var options = new ParallelOptions { MaxDegreeOfParallelism = context.Concurrency(200), CancellationToken = ct };
        try
        {
            await Parallel.ForEachAsync(Enumerable.Range(0, users.Count), options, async (i, token) =>
            {
                devices[i] = await connect.MeasureAsync(() =>
                    WireDevice.ConnectAsync(context.Network, context.WebSocketUriOf(nodeOf(i)), users[i].Number, users[i].Token!, token));
            });
        }
        catch (OperationCanceledException)
        {
            context.Note($"time limit reached: {connect.Planned - connect.Attempted} connections never started");
        }
        return devices;
    }

    /// <summary>Says goodbye on every open device (teardown, accounted but not measured).</summary>
    internal static async Task CloseAllAsync(ScenarioContext context, IEnumerable<WireDevice?> devices)
    {
        var open = devices.OfType<WireDevice>().ToArray();
        var close = context.Operations.Supporting("teardown:close");
        close.Plan(open.Length);
        context.Progress.Track(close);
        await Parallel.ForEachAsync(open, new ParallelOptions { MaxDegreeOfParallelism = 256 }, async (device, _) =>
            await close.MeasureAsync(device.CloseAsync));
    }

    /// <summary>The SQLite writer's histograms from /metrics (time in batches, batches, writes), or null when the server has none (PostgreSQL, a cluster).</summary>
    private static async Task<(double Seconds, double Batches, double Writes)?> WriterTimeAsync(ScenarioContext context, CancellationToken ct)
    {
        if (context.Servers.Count != 1) return null;
        var metrics = await ServerMetrics.ScrapeAsync(context.Network.Invoker, context.Server, ct);
        return metrics.TryGetValue("penguin_writer_commit_duration_seconds_sum", out var seconds)
            && metrics.TryGetValue("penguin_writer_commit_duration_seconds_count", out var batches)
            && metrics.TryGetValue("penguin_writer_batch_size_sum", out var writes)
            ? (seconds, batches, writes)
            : null;
    }

    private static async Task AcknowledgeAsync(WireDevice[] recipients, CancellationToken ct)
    {
        using var timer = new PeriodicTimer(TimeSpan.FromMilliseconds(20));
        try
        {
            while (await timer.WaitForNextTickAsync(ct))
                foreach (var device in recipients) device.AcknowledgeIfDue();
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
        }
        foreach (var device in recipients) device.AcknowledgeIfDue();
    }

    /// <summary>
    /// The recipients still missing acknowledged messages sync from the cursor they started with (reconnecting
    /// first when their connection was closed); whatever of this run's messages arrives now was stored but not
    /// delivered live. Returns how many recipients were checked.
    /// </summary>
    private static async Task<int> SyncCheckAsync(ScenarioContext context, Pair[] pairs, long[] cursors, MessageLedger ledger, OperationStats deliver, List<Task> readers, CancellationToken listening)
    {
        ledger.BeginSyncCheck();
        var streams = ledger.StreamsMissing();
        context.Note($"{ledger.Missing} acknowledged messages had not arrived {Grace.TotalSeconds} s after sending stopped; syncing {streams.Count} recipients");
        // A recipient still connected syncs on its own device; one whose connection ended connects anew with the general client.
        var open = streams.Where(i => !pairs[i].Recipient.Completion.IsCompleted).ToArray();
        var check = context.Operations.Supporting("check:sync");
        check.Plan(open.Length);
        await Parallel.ForEachAsync(open, new ParallelOptions { MaxDegreeOfParallelism = 64 }, async (i, _) =>
            await check.MeasureAsync(() => pairs[i].Recipient.SyncAsync(cursors[i], listening)));
        var targets = streams.Except(open)
            .Select(i => new SyncTarget(pairs[i].To.Number, pairs[i].To.Token!, null, context.WebSocketUriOf(pairs[i].RecipientNode), cursors[i])).ToArray();
        await MessageTraffic.SyncCheckAsync(context, ledger, targets, (_, arrival, sentAt) =>
        {
            if (arrival == Arrival.First) deliver.SucceedSince(sentAt);
        }, readers, listening);
        return streams.Count;
    }

    private sealed record Pair(SimulatedUser From, WireDevice Sender, SimulatedUser To, WireDevice Recipient, int SenderNode, int RecipientNode);
}
