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
/// fails the run. Latency is send → receive on the same process clock. With --warmup the same traffic runs first,
/// before the clock starts (the JIT of server and tool, caches): its messages are in the accounting (lost or
/// duplicated fails the run) but not in the figures. With --kill-node-after a node of the spawned cluster is killed
/// mid-run and its devices carry on through another node (<see cref="FailOverAsync"/>).
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
        var warmSend = o.Warmup is null ? send : context.Operations.Supporting("warmup:send");
        var warmDeliver = o.Warmup is null ? deliver : context.Operations.Supporting("warmup:deliver");
        using var listening = CancellationTokenSource.CreateLinkedTokenSource(ct);
        var cursors = pairs.Select(p => p.Recipient.LastSeq).ToArray();
        var readers = new List<Task>();
        var measuredFrom = o.Warmup is null ? 0 : long.MaxValue; // messages sent before this timestamp are the warm-up's
        void Arrived(Arrival arrival, long sentAt)
        {
            if (arrival == Arrival.First) (sentAt >= Volatile.Read(ref measuredFrom) ? deliver : warmDeliver).SucceedSince(sentAt);
        }
        var senders = pairs.Select((p, i) => new WireSender(p.Sender, i, p.To.Number, ledger, warmSend, o.Window, o.Rate)).ToArray();
        foreach (var p in pairs)
        {
            _ = new WireRecipient(p.Recipient, ledger, Arrived);
            // One ack per recipient that received something in the last 20 ms (as the general client does), from the reactor's tick.
            p.Recipient.AutoAcknowledge = true;
        }
        var reconnected = new List<WireDevice>();

        var duration = o.Duration ?? DefaultDuration;
        context.Progress.Line($"{pairs.Length} pairs online; sending {(o.Rate is { } r ? $"{r} msgs/s per pair" : $"as fast as acks allow, window {o.Window}")} for {duration.TotalSeconds} s");
        await Task.Delay(TimeSpan.FromSeconds(1), ct); // let the connect burst's presence traffic settle
        if (o.Warmup is { } warmup)
        {
            context.Progress.Line($"warming up for {warmup.TotalSeconds} s: the same traffic, accounted but not measured");
            context.Progress.Track(warmDeliver);
            await SendPhaseAsync(senders, o.Rate, warmup, ct);
            await MessageTraffic.WaitSettledAsync(ledger, Grace, ct);
            foreach (var sender in senders) sender.Stats = send;
        }
        var warm = (ledger.Sent, ledger.Acknowledged, ledger.Rejected, ledger.Received);
        context.Progress.Track(deliver);
        var cpuBefore = context.ServerCpuSeconds();
        var writerBefore = context.ServerWriterCpuSeconds();
        var writerWallBefore = await WriterTimeAsync(context, ct);
        // The tool's own CPU: on a machine this small it competes with the server for the same cores.
        var toolBefore = Process.GetCurrentProcess().TotalProcessorTime;
        var (gcBefore, allocatedBefore) = (GC.CollectionCount(0), GC.GetTotalAllocatedBytes());
        var nodesBefore = context.NodeCpuSeconds();
        var servicesBefore = context.Services?.Read();
        var started = Stopwatch.GetTimestamp();
        Volatile.Write(ref measuredFrom, started);
        using var sending = CancellationTokenSource.CreateLinkedTokenSource(ct);
        sending.CancelAfter(duration);
        var failover = o.KillNodeAfter is { } killAfter
            ? FailOverAsync(context, killAfter, pairs, senders, ledger, send, Arrived, reconnected, sending.Token, ct)
            : Task.FromResult<long?>(null);
        var sendSeconds = await SendPhaseAsync(senders, o.Rate, duration, ct);
        var acknowledgedBeforeKill = await failover;
        var settled = await MessageTraffic.WaitSettledAsync(ledger, Grace, ct);
        var cpuAfter = context.ServerCpuSeconds();
        var writerAfter = context.ServerWriterCpuSeconds();
        var writerWallAfter = await WriterTimeAsync(context, ct);
        var toolSeconds = (Process.GetCurrentProcess().TotalProcessorTime - toolBefore).TotalSeconds;
        var (gcAfter, allocatedAfter) = (GC.CollectionCount(0), GC.GetTotalAllocatedBytes());
        var nodesAfter = context.NodeCpuSeconds();
        var servicesAfter = context.Services?.Read();
        var measuredSeconds = Stopwatch.GetElapsedTime(started).TotalSeconds;
        var deliveredLive = ledger.Received - warm.Received;

        var synced = settled ? 0 : await SyncCheckAsync(context, pairs, cursors, ledger, Arrived, readers, listening.Token);
        await listening.CancelAsync();
        await Task.WhenAll(readers);

        // The figures are the measured phase's; the accounting (never arrived, duplicates) covers the warm-up too.
        var sent = ledger.Sent - warm.Sent;
        var acknowledged = ledger.Acknowledged - warm.Acknowledged;
        var delivered = ledger.Received - warm.Received;
        deliver.Plan(acknowledged);
        var missing = ledger.Missing;
        for (var i = 0; i < missing; i++) deliver.Settle("acknowledged, never arrived");
        send.Plan(sent);
        if (o.Warmup is { } warmed)
        {
            warmSend.Plan(warm.Sent);
            warmDeliver.Plan(warm.Acknowledged);
            context.Figure("warmup_seconds", warmed.TotalSeconds);
            context.Figure("warmup_messages_delivered", warm.Received);
        }

        context.Figure("pairs", pairs.Length);
        context.Figure("nodes", context.Servers.Count);
        context.Figure("pairs_across_nodes", pairs.Count(p => p.SenderNode != p.RecipientNode));
        context.Figure("send_seconds", sendSeconds);
        context.Figure("messages_sent", sent);
        context.Figure("messages_acknowledged", acknowledged);
        context.Figure("messages_rejected", ledger.Rejected - warm.Rejected);
        context.Figure("messages_delivered", delivered);
        context.Figure("delivered_per_second", deliver.Throughput);
        context.Figure("acknowledged_per_second", acknowledged / sendSeconds);
        context.Figure("delivered_live", deliveredLive);
        context.Figure("recovered_by_sync", ledger.ReceivedBySync);
        context.Figure("recipients_sync_checked", synced);
        context.Figure("acknowledged_never_arrived", missing);
        context.Figure("duplicates", ledger.Duplicates);
        context.Figure("received_unacknowledged", ledger.ReceivedUnacknowledged);
        context.Figure("acks_sent", pairs.Sum(p => p.Recipient.AcksSent));
        if (acknowledgedBeforeKill is { } beforeKill)
        {
            context.Figure("acknowledged_before_kill", beforeKill);
            context.Figure("acknowledged_after_kill", ledger.Acknowledged - beforeKill);
        }
        if (cpuBefore is { } c0 && cpuAfter is { } c1 && delivered > 0)
        {
            context.Figure("server_cpu_seconds", c1 - c0);
            context.Figure("server_cpu_us_per_message", (c1 - c0) * 1e6 / delivered);
            context.Figure("server_cores_busy", (c1 - c0) / measuredSeconds);
        }
        if (writerBefore is { } w0 && writerAfter is { } w1 && delivered > 0)
        {
            context.Figure("server_writer_cpu_us_per_message", (w1 - w0) * 1e6 / delivered);
            context.Figure("server_writer_cores_busy", (w1 - w0) / measuredSeconds);
        }
        if (writerWallBefore is { } ww0 && writerWallAfter is { } ww1 && delivered > 0)
        {
            // Wall time of the writer's batches (their statements and the commit with its fsync), from its own
            // histogram: the ceiling of one writer is 1 / this.
            context.Figure("server_writer_wall_us_per_message", (ww1.Seconds - ww0.Seconds) * 1e6 / delivered);
            if (ww1.Batches > ww0.Batches)
            {
                context.Figure("server_writer_batches", ww1.Batches - ww0.Batches);
                context.Figure("server_writer_writes_per_batch", (ww1.Writes - ww0.Writes) / (ww1.Batches - ww0.Batches));
            }
        }
        if (delivered > 0)
        {
            context.Figure("load_tool_cpu_us_per_message", toolSeconds * 1e6 / delivered);
            context.Figure("load_tool_cores_busy", toolSeconds / measuredSeconds);
            // The hot path should allocate nothing per frame: only the ledger's and histograms' arrays grow.
            context.Figure("load_tool_allocated_bytes_per_message", (double)(allocatedAfter - allocatedBefore) / delivered);
            context.Figure("load_tool_gen0_collections", gcAfter - gcBefore);
        }
        if (context.Servers.Count > 1 && nodesBefore.Length == context.Servers.Count)
            foreach (var (node, cpu) in ChatCost.PerNode(nodesBefore, nodesAfter))
                context.Figure($"node{node}_cpu_seconds", cpu);
        if (servicesBefore is { } s0 && servicesAfter is { } s1 && delivered > 0)
            foreach (var (name, value) in ChatCost.Services(s0, s1, cpuAfter - cpuBefore, delivered, measuredSeconds))
                context.Figure(name, value);
        if (context.ServerProcess?.SampleNow() is { } sample) context.Figure("server_rss_end_kib", sample.RssKiB);
        var unanswered = devices.OfType<WireDevice>().Sum(d => d.UnansweredErrors);
        context.Figure("server_errors_unanswered", unanswered);
        if (unanswered > 0)
            context.Fail($"the server answered {unanswered} frames of the tool's with an error no request asked for (first: {devices.OfType<WireDevice>().Select(d => d.FirstUnansweredError).First(c => c is not null)}): the tool sent something the server could not read");
        if (ledger.ReceivedBySync > 0)
            context.Note($"{ledger.ReceivedBySync} messages arrived only through the final sync, not live");
        foreach (var failure in ledger.Failures()) context.Fail(failure);
        if (acknowledged == 0) context.Fail("no message was acknowledged: nothing was measured");
        if (pairs.Length < candidates.Length) context.Note($"only {pairs.Length} of {candidates.Length} pairs were online when sending started (see the setup failures)");

        await CloseAllAsync(context, [.. devices, .. reconnected]);
    }

    /// <summary>
    /// --kill-node-after: SIGKILLs the last node <paramref name="after"/> into sending, as a crash. Every device it held
    /// reconnects through node 0 (a client trying its next address): a recipient resumes from the last event it holds
    /// (<c>auth</c> with <c>since</c>), so whatever was acknowledged meanwhile still arrives, once; a sender's unanswered
    /// messages count as failed sends (the node may have stored some: they then arrive as received unacknowledged), and it
    /// sends on while sending lasts. Returns how many messages had been acknowledged at the kill (null: no node was killed).
    /// </summary>
    private static async Task<long?> FailOverAsync(ScenarioContext context, TimeSpan after, Pair[] pairs, WireSender[] senders, MessageLedger ledger,
        OperationStats send, Action<Arrival, long> arrived, List<WireDevice> reconnected, CancellationToken sending, CancellationToken ct)
    {
        try { await Task.Delay(after, sending); }
        catch (OperationCanceledException) when (!ct.IsCancellationRequested)
        {
            context.Note($"--kill-node-after {after.TotalSeconds} s is not within the sending time: no node was killed");
            return null;
        }
        var victim = context.Servers.Count - 1;
        const int Survivor = 0;
        var acknowledgedBefore = ledger.Acknowledged;
        context.KillNode!(victim);
        context.Note($"node {victim} killed (SIGKILL) {after.TotalSeconds} s into sending, after {acknowledgedBefore} acknowledged messages; its devices reconnect through node {Survivor}; CPU figures lose the killed node's share");
        var moving = Enumerable.Range(0, pairs.Length).Where(i => pairs[i].SenderNode == victim || pairs[i].RecipientNode == victim).ToArray();
        var reconnect = context.Operations.Supporting("failover:reconnect");
        reconnect.Plan(moving.Sum(i => (pairs[i].SenderNode == victim ? 1 : 0) + (pairs[i].RecipientNode == victim ? 1 : 0)));
        var uri = context.WebSocketUriOf(Survivor);
        await Parallel.ForEachAsync(moving, new ParallelOptions { MaxDegreeOfParallelism = 64, CancellationToken = ct }, async (i, token) =>
        {
            var pair = pairs[i];
            if (pair.RecipientNode == victim)
            {
                await Task.WhenAny(pair.Recipient.Completion, Task.Delay(TimeSpan.FromSeconds(30), token));
                var device = await reconnect.MeasureAsync(() =>
                    WireDevice.ResumeAsync(context.Network, uri, pair.To.Number, pair.To.Token!, pair.Recipient.LastSeq, new WireRecipient(ledger, arrived), token));
                if (device is not null)
                {
                    device.AutoAcknowledge = true; // what arrived before this line is acknowledged with the next message
                    lock (reconnected) reconnected.Add(device);
                }
                // Without a new device the final sync check reaches this recipient through node 0 with the general client.
                pairs[i] = pair = pair with { Recipient = device ?? pair.Recipient, RecipientNode = Survivor };
            }
            if (pair.SenderNode == victim)
            {
                await Task.WhenAny(pair.Sender.Completion, Task.Delay(TimeSpan.FromSeconds(30), token));
                senders[i].RejectUnanswered("connection closed: node killed");
                var device = await reconnect.MeasureAsync(() => WireDevice.ConnectAsync(context.Network, uri, pair.From.Number, pair.From.Token!, token));
                pairs[i] = pair with { SenderNode = Survivor };
                if (device is null) return;
                lock (reconnected) reconnected.Add(device);
                var sender = new WireSender(device, i, pair.To.Number, ledger, send, context.Options.Window, context.Options.Rate);
                senders[i] = sender;
                pairs[i] = pairs[i] with { Sender = device };
                if (sending.IsCancellationRequested) return;
                sender.Start();
                if (context.Options.Rate is { } rate) _ = SendPacing.PaceAsync(sender, rate, sending);
            }
        });
        context.Figure("node_killed", victim);
        context.Figure("devices_reconnected", reconnected.Count);
        return acknowledgedBefore;
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

    /// <summary>
    /// Sends for <paramref name="duration"/>, then waits until every message sent has its answer or 30 s pass (the
    /// general client's request timeout); what stays unanswered is rejected. Returns the seconds it took.
    /// </summary>
    private static async Task<double> SendPhaseAsync(WireSender[] senders, double? rate, TimeSpan duration, CancellationToken ct)
    {
        var started = Stopwatch.GetTimestamp();
        await SendPacing.SendForAsync(senders, rate, duration, ct);
        while (senders.Any(x => x.InFlight > 0 && !x.Device.Completion.IsCompleted) && Stopwatch.GetElapsedTime(started) < duration + TimeSpan.FromSeconds(30))
            await Task.Delay(10, ct);
        foreach (var sender in senders)
            sender.RejectUnanswered(sender.Device.Completion.IsCompleted ? "connection closed" : "timeout or cancelled");
        return Stopwatch.GetElapsedTime(started).TotalSeconds;
    }

    /// <summary>
    /// The recipients still missing acknowledged messages sync from the cursor they started with (reconnecting
    /// first when their connection was closed); whatever of this run's messages arrives now was stored but not
    /// delivered live. Returns how many recipients were checked.
    /// </summary>
    private static async Task<int> SyncCheckAsync(ScenarioContext context, Pair[] pairs, long[] cursors, MessageLedger ledger, Action<Arrival, long> arrived, List<Task> readers, CancellationToken listening)
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
        await MessageTraffic.SyncCheckAsync(context, ledger, targets, (_, arrival, sentAt) => arrived(arrival, sentAt), readers, listening);
        return streams.Count;
    }

    private sealed record Pair(SimulatedUser From, WireDevice Sender, SimulatedUser To, WireDevice Recipient, int SenderNode, int RecipientNode);
}
