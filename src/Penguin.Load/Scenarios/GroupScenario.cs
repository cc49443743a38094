using System.Buffers.Text;
using System.Diagnostics;
using Penguin.Client;
using Penguin.Load.Measurement;
using Penguin.Load.Net;
using Penguin.Protocol;

namespace Penguin.Load.Scenarios;

/// <summary>
/// One group of --members N, all online; --senders K of them post (paced by --rate per sender, or as fast as answers
/// allow with --window in flight) for --duration. Every delivery is accounted: each acknowledged message is owed to
/// every other member once, and a member's copy is matched by client id (a bitmap per member and sender), so nothing
/// lost and nothing duplicated is checked, not assumed. Latency is send → arrival at each member on one clock; the
/// server's CPU is reported per delivery and per message.
/// </summary>
public sealed class GroupScenario : IScenario
{
    public static readonly TimeSpan Grace = TimeSpan.FromSeconds(5);

    public string Name => "group";
    public string Description => "One group of N members, all online, K of them posting; deliveries/s, send→arrival latency at every member, server CPU per delivery, and a check that every acknowledged message reached every other member exactly once.";
    public string? Unavailable => null;
    public TimeSpan DefaultDuration => TimeSpan.FromSeconds(30);

    public async Task RunAsync(ScenarioContext context, CancellationToken ct)
    {
        var o = context.Options;
        var users = await SimulatedUsers.PrepareAsync(context, o.Members, withTokens: true, ct);
        if (users.Count < 2)
        {
            context.Fail("a group needs at least two members");
            return;
        }
        var groupId = await FormGroupAsync(context, users, ct);
        if (groupId is null) return;

        var devices = await ChatScenario.ConnectAllAsync(context, users, i => i % context.Servers.Count, ct);
        var online = Enumerable.Range(0, users.Count).Where(i => devices[i] is not null).ToArray();
        var members = online.Select(i => devices[i]!).ToArray();
        var senderCount = Math.Min(o.Senders, members.Length);
        if (members.Length < 2)
        {
            context.Fail("fewer than two members could be connected");
            await ChatScenario.CloseAllAsync(context, devices);
            return;
        }

        var ledger = new GroupLedger(senderCount, members.Length);
        var send = context.Operations.Measured("send", charted: false);
        var deliver = context.Operations.Measured("deliver");
        var senders = new GroupWireMember[senderCount];
        for (var i = 0; i < members.Length; i++)
        {
            var member = new GroupWireMember(members[i], i, groupId.Value, ledger, send, deliver, o.Window, o.Rate, sends: i < senderCount);
            if (i < senderCount) senders[i] = member;
        }

        var duration = o.Duration ?? DefaultDuration;
        context.Progress.Line($"group {groupId} of {members.Length} members online; {senderCount} sending {(o.Rate is { } r ? $"{r} msgs/s each" : $"as fast as answers allow, window {o.Window}")} for {duration.TotalSeconds} s");
        context.Progress.Track(deliver);
        await Task.Delay(TimeSpan.FromSeconds(1), ct);
        var cpuBefore = context.ServerCpuSeconds();
        var toolBefore = Process.GetCurrentProcess().TotalProcessorTime;
        var started = Stopwatch.GetTimestamp();
        await SendPacing.SendForAsync(senders, o.Rate, duration, ct);
        var answering = Stopwatch.GetTimestamp();
        while (senders.Any(x => x.InFlight > 0 && !x.Device.Completion.IsCompleted) && Stopwatch.GetElapsedTime(answering) < TimeSpan.FromSeconds(30))
            await Task.Delay(10, ct);
        foreach (var sender in senders) sender.RejectUnanswered(sender.Device.Completion.IsCompleted ? "connection closed" : "timeout or cancelled");
        var sendSeconds = Stopwatch.GetElapsedTime(started).TotalSeconds;
        // In-flight deliveries settle: wait until nothing is owed, or the grace period passes without progress.
        var lastProgress = Stopwatch.GetTimestamp();
        var lastMissing = ledger.Missing;
        while (lastMissing > 0 && Stopwatch.GetElapsedTime(lastProgress) < Grace)
        {
            await Task.Delay(50, ct);
            var missing = ledger.Missing;
            if (missing < lastMissing) (lastMissing, lastProgress) = (missing, Stopwatch.GetTimestamp());
        }
        var cpuAfter = context.ServerCpuSeconds();
        var toolSeconds = (Process.GetCurrentProcess().TotalProcessorTime - toolBefore).TotalSeconds;
        var measuredSeconds = Stopwatch.GetElapsedTime(started).TotalSeconds;

        send.Plan(ledger.Sent);
        deliver.Plan(ledger.Acknowledged * ledger.OwedPerMessage);
        var lost = ledger.Missing;
        for (var i = 0; i < lost; i++) deliver.Settle("acknowledged, never arrived");

        context.Figure("group_id", groupId.Value);
        context.Figure("members_online", members.Length);
        context.Figure("senders", senderCount);
        context.Figure("send_seconds", sendSeconds);
        context.Figure("messages_sent", ledger.Sent);
        context.Figure("messages_acknowledged", ledger.Acknowledged);
        context.Figure("messages_rejected", ledger.Rejected);
        context.Figure("messages_per_second", ledger.Acknowledged / sendSeconds);
        context.Figure("deliveries_owed", ledger.Acknowledged * ledger.OwedPerMessage);
        context.Figure("deliveries", ledger.Deliveries);
        context.Figure("deliveries_per_second", deliver.Throughput);
        context.Figure("deliveries_lost", lost);
        context.Figure("deliveries_duplicated", ledger.Duplicates);
        var latency = deliver.Latency.Summarize();
        context.Figure("deliver_p50_ms", latency.P50);
        context.Figure("deliver_p99_ms", latency.P99);
        if (cpuBefore is { } c0 && cpuAfter is { } c1 && ledger.Deliveries > 0)
        {
            context.Figure("server_cpu_seconds", c1 - c0);
            context.Figure("server_cpu_us_per_delivery", (c1 - c0) * 1e6 / ledger.Deliveries);
            context.Figure("server_cpu_us_per_message", (c1 - c0) * 1e6 / Math.Max(1, ledger.Acknowledged));
            context.Figure("server_cores_busy", (c1 - c0) / measuredSeconds);
        }
        if (ledger.Deliveries > 0)
        {
            context.Figure("load_tool_cpu_us_per_delivery", toolSeconds * 1e6 / ledger.Deliveries);
            context.Figure("load_tool_cores_busy", toolSeconds / measuredSeconds);
        }
        if (context.ServerProcess?.SampleNow() is { } sample) context.Figure("server_rss_end_kib", sample.RssKiB);
        foreach (var failure in ledger.Failures()) context.Fail(failure);
        if (ledger.Acknowledged == 0) context.Fail("no message was acknowledged: nothing was measured");
        if (members.Length < users.Count) context.Note($"only {members.Length} of {users.Count} members were online when sending started");

        await ChatScenario.CloseAllAsync(context, devices);
    }

    /// <summary>The first user creates an open group; every other user joins it over REST (setup). Returns the group, or null on failure.</summary>
    internal static async Task<long?> FormGroupAsync(ScenarioContext context, IReadOnlyList<SimulatedUser> users, CancellationToken ct)
    {
        using var owner = context.NewClient();
        owner.Token = users[0].Token;
        long groupId;
        try
        {
            groupId = (await owner.CreateGroupAsync(new CreateGroupRequest("压测群", JoinPolicy: GroupJoinPolicy.Open), ct)).Group.Id;
        }
        catch (PenguinException e)
        {
            context.Fail($"the group could not be created: {e.Error.Code}");
            return null;
        }
        var join = context.Operations.Supporting("setup:join");
        join.Plan(users.Count - 1);
        context.Progress.Track(join);
        await Parallel.ForEachAsync(users.Skip(1), new ParallelOptions { MaxDegreeOfParallelism = SimulatedUsers.SetupConcurrency, CancellationToken = ct }, async (user, token) =>
            await join.MeasureAsync(async () =>
            {
                using var client = context.NewClient();
                client.Token = user.Token;
                await client.JoinGroupAsync(groupId, ct: token);
            }));
        if (join.Failed > 0) context.Note($"{join.Failed} users could not join the group (see the setup failures); they receive nothing and are not counted as members");
        return groupId;
    }
}

/// <summary>
/// A member's device in the group run: accounts every group message that reaches it, and when it is a sender keeps up
/// to --window <c>group.send</c> unanswered (request id 2 × number + 2, as <see cref="WireSender"/>).
/// </summary>
public sealed class GroupWireMember : IWireEvents, IPacedSender
{
    private static readonly byte[] Op = "{\"op\":\"group.send\",\"id\":"u8.ToArray();
    private static readonly byte[] GroupField = ",\"groupId\":"u8.ToArray();
    private static readonly byte[] ClientIdField = ",\"clientId\":\""u8.ToArray();
    private static readonly byte[] TextField = "\",\"text\":\"群压测 "u8.ToArray();
    private static readonly byte[] TextEnd = "\"}"u8.ToArray();

    private readonly int _index;
    private readonly long _groupId;
    private readonly GroupLedger _ledger;
    private readonly OperationStats _send, _deliver;
    private readonly int _window;
    private readonly long _maxAllowance;
    private readonly bool _sends;
    private long _allowance, _sent;
    private int _inFlight;
    private volatile bool _stopped;

    public GroupWireMember(WireDevice device, int index, long groupId, GroupLedger ledger, OperationStats send, OperationStats deliver, int window, double? rate, bool sends)
    {
        Device = device;
        _index = index;
        _groupId = groupId;
        _ledger = ledger;
        _send = send;
        _deliver = deliver;
        _window = window;
        _sends = sends;
        _stopped = !sends;
        _maxAllowance = rate is { } r ? Math.Max(1, (long)Math.Ceiling(r)) : long.MaxValue;
        _allowance = rate is null ? long.MaxValue : 0;
        device.Events = this;
    }

    public WireDevice Device { get; }

    public Task Completion => Device.Completion;

    public int InFlight => Volatile.Read(ref _inFlight);

    public void Start() => Pump();

    public void Stop() => _stopped = true;

    public void Allow()
    {
        long current;
        do current = Interlocked.Read(ref _allowance);
        while (current < _maxAllowance && Interlocked.CompareExchange(ref _allowance, current + 1, current) != current);
        Pump();
    }

    public void RejectUnanswered(string reason)
    {
        foreach (var sentAt in _ledger.RejectUnsettled(_index)) _send.Fail(sentAt, reason);
    }

    public void Received(ReadOnlySpan<byte> clientId)
    {
        if (_ledger.Receive(_index, clientId, out var sentAt)) _deliver.SucceedSince(sentAt);
    }

    public void Accepted(long id)
    {
        if (!TryNumber(id, out var number)) return;
        if (_ledger.Acknowledge(_index, number, out var sentAt))
        {
            _send.Succeed(sentAt);
            Interlocked.Decrement(ref _inFlight);
        }
    }

    public void Refused(long id, string code)
    {
        if (!TryNumber(id, out var number)) return;
        if (_ledger.TryReject(_index, number, out var sentAt))
        {
            _send.Fail(sentAt, code);
            Interlocked.Decrement(ref _inFlight);
        }
    }

    public void Drained()
    {
        if (!_stopped && Volatile.Read(ref _inFlight) < _window) Pump();
    }

    public void Closed() => _stopped = true;

    private bool TryNumber(long id, out long number)
    {
        number = (id - 2) / 2;
        return _sends && id >= 2 && number < Interlocked.Read(ref _sent);
    }

    private void Pump()
    {
        if (!_sends) return;
        lock (Device.SendLock)
        {
            Span<byte> json = stackalloc byte[256];
            while (!_stopped && Volatile.Read(ref _inFlight) < _window && Interlocked.Read(ref _allowance) > 0)
            {
                if (_allowance != long.MaxValue) Interlocked.Decrement(ref _allowance);
                var number = _ledger.Send(_index, _send.Start());
                Interlocked.Increment(ref _inFlight);
                Interlocked.Exchange(ref _sent, number + 1);
                Device.AppendFrame(json[..Compose(json, number)]);
            }
            Device.Flush();
        }
    }

    private int Compose(Span<byte> json, long number)
    {
        var length = Put(json, 0, Op);
        Utf8Formatter.TryFormat(2 * number + 2, json[length..], out var written);
        length += written;
        length = Put(json, length, GroupField);
        Utf8Formatter.TryFormat(_groupId, json[length..], out written);
        length += written;
        length = Put(json, length, ClientIdField);
        var clientId = length;
        length += MessageLedger.WriteClientId(json[length..], _index, number);
        var clientIdLength = length - clientId;
        length = Put(json, length, TextField);
        json.Slice(clientId, clientIdLength).CopyTo(json[length..]);
        length += clientIdLength;
        return Put(json, length, TextEnd);
    }

    private static int Put(Span<byte> json, int at, ReadOnlySpan<byte> bytes)
    {
        bytes.CopyTo(json[at..]);
        return at + bytes.Length;
    }
}
