using System.Diagnostics;
using System.Globalization;
using System.Text;
using Penguin.Load.Measurement;
using Penguin.Load.Net;

namespace Penguin.Load.Scenarios;

/// <summary>
/// The chat scenario over XMPP c2s, so Penguin's XMPP front end and other XMPP servers (ejabberd, Prosody) are
/// measured with the same client and the same accounting: N pairs of users logged in with lean
/// <see cref="XmppWireDevice"/>s, one side of each pair sending <c>&lt;message type='chat'&gt;</c> to the other's
/// bare JID. Flow control is what every server supports without extensions: a message counts as in flight from
/// its write until the partner receives it, at most --window per pair, optionally paced by --rate. XMPP without
/// XEP-0198 has no per-message answer, so a message written to an open stream is owed to the recipient: one that
/// has not arrived 5 s after sending stops fails the run (as an acknowledged one does in <c>chat</c>).
/// Accounts: Penguin's are registered over its HTTP API and befriended (Penguin delivers only between friends);
/// another server's are named by --xmpp-users (registered beforehand, or in band with --xmpp-register).
/// </summary>
public sealed class XmppChatScenario : IScenario
{
    public string Name => "xmpp-chat";
    public string Description => "Pairs of XMPP users on plain c2s (Penguin's XMPP front end, or ejabberd/Prosody with --xmpp-users), one sending chat messages to the other; send→receive latency, delivered messages/s, server CPU per message, and a check that every message written arrived once.";
    public string? Unavailable => null;
    public TimeSpan DefaultDuration => TimeSpan.FromSeconds(30);

    public async Task RunAsync(ScenarioContext context, CancellationToken ct)
    {
        var o = context.Options;
        var endpoint = o.XmppServer ?? throw new ArgumentException("xmpp-chat needs --xmpp HOST:PORT.");
        var accounts = await AccountsAsync(context, o.Users / 2, ct);
        if (accounts.Count == 0)
        {
            context.Fail("no pair of accounts could be prepared");
            return;
        }

        var rssBefore = context.ServerProcess?.SampleNow()?.RssKiB;
        var devices = await ConnectAllAsync(context, endpoint, [.. accounts.SelectMany(p => (XmppAccount[])[p.A, p.B])], ct);
        await Task.Delay(TimeSpan.FromSeconds(1), ct); // let the login burst's presence traffic settle
        var rssConnected = context.ServerProcess?.SampleNow()?.RssKiB;
        var pairs = Enumerable.Range(0, accounts.Count)
            .Where(i => devices[2 * i] is not null && devices[2 * i + 1] is not null)
            .Select(i => (Sender: devices[2 * i]!, Recipient: devices[2 * i + 1]!, To: accounts[i].B.Bare))
            .ToArray();
        if (pairs.Length == 0)
        {
            context.Fail("no pair could log in");
            await CloseAllAsync(context, devices);
            return;
        }

        var ledger = new MessageLedger(pairs.Length);
        var deliver = context.Operations.Measured("deliver");
        var senders = pairs.Select((p, i) => new XmppSender(p.Sender, i, p.To, ledger, o.Window, o.Rate)).ToArray();
        for (var i = 0; i < pairs.Length; i++) pairs[i].Recipient.Events = new XmppRecipient(ledger, deliver, senders[i]);

        var duration = o.Duration ?? DefaultDuration;
        context.Progress.Line($"{pairs.Length} XMPP pairs online at {endpoint}; sending {(o.Rate is { } r ? $"{r} msgs/s per pair" : "as fast as deliveries allow")}, window {o.Window}, for {duration.TotalSeconds} s");
        context.Progress.Track(deliver);
        var cpuBefore = context.ServerCpuSeconds();
        var toolBefore = Process.GetCurrentProcess().TotalProcessorTime;
        var started = Stopwatch.GetTimestamp();
        await SendPacing.SendForAsync(senders, o.Rate, duration, ct);
        var sendSeconds = Stopwatch.GetElapsedTime(started).TotalSeconds;
        await MessageTraffic.WaitSettledAsync(ledger, ChatScenario.Grace, ct);
        var cpuAfter = context.ServerCpuSeconds();
        var toolSeconds = (Process.GetCurrentProcess().TotalProcessorTime - toolBefore).TotalSeconds;
        var measuredSeconds = Stopwatch.GetElapsedTime(started).TotalSeconds;

        deliver.Plan(ledger.Acknowledged);
        var missing = ledger.Missing;
        for (var i = 0; i < missing; i++) deliver.Settle("written, never arrived");

        context.Figure("pairs", pairs.Length);
        context.Figure("send_seconds", sendSeconds);
        context.Figure("messages_sent", ledger.Sent);
        context.Figure("messages_delivered", ledger.Received);
        context.Figure("delivered_per_second", deliver.Throughput);
        context.Figure("written_never_arrived", missing);
        context.Figure("duplicates", ledger.Duplicates);
        context.Figure("unknown_arrivals", ledger.Unknown);
        if (cpuBefore is { } c0 && cpuAfter is { } c1 && ledger.Received > 0)
        {
            context.Figure("server_cpu_seconds", c1 - c0);
            context.Figure("server_cpu_us_per_message", (c1 - c0) * 1e6 / ledger.Received);
            context.Figure("server_cores_busy", (c1 - c0) / measuredSeconds);
        }
        if (ledger.Received > 0)
        {
            context.Figure("load_tool_cpu_us_per_message", toolSeconds * 1e6 / ledger.Received);
            context.Figure("load_tool_cores_busy", toolSeconds / measuredSeconds);
        }
        var connected = devices.Count(d => d is not null);
        if (rssBefore is { } m0 && rssConnected is { } m1 && connected > 0)
        {
            context.Figure("server_rss_before_login_kib", m0);
            context.Figure("server_rss_logged_in_kib", m1);
            context.Figure("server_kib_per_connection", (double)(m1 - m0) / connected);
        }
        if (context.ServerProcess?.SampleNow() is { } sample) context.Figure("server_rss_end_kib", sample.RssKiB);
        var closed = pairs.Count(p => p.Sender.Completion.IsCompleted || p.Recipient.Completion.IsCompleted);
        if (closed > 0)
            context.Fail($"{closed} pairs lost a connection during the run (first error: {devices.OfType<XmppWireDevice>().Select(d => d.Error).FirstOrDefault(e => e is not null) ?? "none said"})");
        foreach (var failure in ledger.Failures()) context.Fail(failure.Replace("acknowledged", "written", StringComparison.Ordinal));
        if (ledger.Received == 0) context.Fail("no message arrived: nothing was measured");
        if (pairs.Length < accounts.Count) context.Note($"only {pairs.Length} of {accounts.Count} pairs logged in (see setup:xmpp-login)");
        await CloseAllAsync(context, devices);
    }

    /// <summary>The pairs' accounts: named by --xmpp-users on another server, or registered and befriended on Penguin.</summary>
    private static async Task<IReadOnlyList<(XmppAccount A, XmppAccount B)>> AccountsAsync(ScenarioContext context, int pairs, CancellationToken ct)
    {
        var o = context.Options;
        if (o.XmppUsers is { } pattern)
        {
            var password = o.XmppPassword ?? throw new ArgumentException("--xmpp-users needs --xmpp-password.");
            XmppAccount Account(int i) => new(XmppUserName(pattern, i), password, o.XmppDomain);
            return [.. Enumerable.Range(0, pairs).Select(i => (Account(2 * i + 1), Account(2 * i + 2)))];
        }
        var users = await SimulatedUsers.PrepareAsync(context, 2 * pairs, withTokens: true, ct);
        var candidates = Enumerable.Range(0, users.Count / 2).Select(i => (A: users[2 * i], B: users[2 * i + 1])).ToArray();
        var friends = await Friendships.BefriendAsync(context, candidates, ct);
        XmppAccount Of(SimulatedUser u) => new(u.Number.ToString(CultureInfo.InvariantCulture), u.Password, o.XmppDomain);
        return [.. candidates.Where((_, i) => friends[i]).Select(p => (Of(p.A), Of(p.B)))];
    }

    /// <summary>The user name of account <paramref name="i"/> (from 1) of a pattern such as "load{0}".</summary>
    public static string XmppUserName(string pattern, int i) => pattern.Replace("{0}", i.ToString(CultureInfo.InvariantCulture), StringComparison.Ordinal);

    private static async Task<XmppWireDevice?[]> ConnectAllAsync(ScenarioContext context, System.Net.IPEndPoint endpoint, IReadOnlyList<XmppAccount> accounts, CancellationToken ct)
    {
        var login = context.Operations.Supporting("setup:xmpp-login");
        login.Plan(accounts.Count);
        context.Progress.Track(login);
        var devices = new XmppWireDevice?[accounts.Count];
        string? firstFailure = null;
        var options = new ParallelOptions { MaxDegreeOfParallelism = context.Concurrency(32), CancellationToken = ct };
        try
        {
            await Parallel.ForEachAsync(Enumerable.Range(0, accounts.Count), options, async (i, token) =>
            {
                var a = accounts[i];
                devices[i] = await login.MeasureAsync(async () =>
                {
                    try
                    {
                        return await XmppWireDevice.ConnectAsync(context.Network, endpoint, a.Domain, a.User, a.Password, "load", context.Options.XmppRegister, token);
                    }
                    catch (Exception e) when (e is IOException or System.Net.Sockets.SocketException)
                    {
                        Interlocked.CompareExchange(ref firstFailure, $"{a.User}: {e.Message}", null);
                        throw;
                    }
                });
            });
        }
        catch (OperationCanceledException)
        {
            context.Note($"time limit reached: {login.Planned - login.Attempted} logins never started");
        }
        if (firstFailure is not null) context.Note($"{login.Failed} logins failed; the first: {firstFailure}");
        return devices;
    }

    private static async Task CloseAllAsync(ScenarioContext context, IEnumerable<XmppWireDevice?> devices)
    {
        var open = devices.OfType<XmppWireDevice>().ToArray();
        var close = context.Operations.Supporting("teardown:close");
        close.Plan(open.Length);
        await Parallel.ForEachAsync(open, new ParallelOptions { MaxDegreeOfParallelism = 256 }, async (device, _) =>
            await close.MeasureAsync(device.CloseAsync));
    }

    private sealed record XmppAccount(string User, string Password, string Domain)
    {
        public string Bare => $"{User}@{Domain}";
    }
}

/// <summary>
/// The sending side of an XMPP pair: keeps at most --window messages written and not yet received by the partner,
/// refilled from the partner's receive loop. Each stanza is fixed bytes with the client id written in (in its
/// <c>id</c> and in the body text, where the recipient reads it).
/// </summary>
public sealed class XmppSender : IPacedSender
{
    private static readonly byte[] TextStart = Encoding.UTF8.GetBytes(MessageTraffic.Text("\u0001").Split('\u0001')[0]);
    private static readonly byte[] TextEnd = Encoding.UTF8.GetBytes(MessageTraffic.Text("\u0001").Split('\u0001')[1] + "</body></message>");
    private readonly byte[] _head;
    private readonly int _stream;
    private readonly MessageLedger _ledger;
    private readonly int _window;
    private readonly long _maxAllowance;
    private long _allowance;
    private int _inFlight;
    private volatile bool _stopped;

    public XmppSender(XmppWireDevice device, int stream, string to, MessageLedger ledger, int window, double? rate)
    {
        Device = device;
        _stream = stream;
        _ledger = ledger;
        _window = window;
        _head = Encoding.UTF8.GetBytes($"<message to='{to}' type='chat' id='");
        _maxAllowance = rate is { } r ? Math.Max(1, (long)Math.Ceiling(r)) : long.MaxValue;
        _allowance = rate is null ? long.MaxValue : 0;
    }

    public XmppWireDevice Device { get; }

    public Task Completion => Device.Completion;

    public void Start() => Pump();

    public void Stop() => _stopped = true;

    public void Allow()
    {
        long current;
        do current = Interlocked.Read(ref _allowance);
        while (current < _maxAllowance && Interlocked.CompareExchange(ref _allowance, current + 1, current) != current);
        Pump();
    }

    /// <summary>The partner received one of this pair's messages: its slot in the window is free.</summary>
    public void Delivered()
    {
        Interlocked.Decrement(ref _inFlight);
        if (!_stopped) Pump();
    }

    /// <summary>Writes the message stanza of <paramref name="clientId"/> to <paramref name="to"/> (the bytes <see cref="XmppSender"/> sends).</summary>
    public static int Compose(Span<byte> xml, ReadOnlySpan<byte> head, ReadOnlySpan<byte> clientId)
    {
        var length = Put(xml, 0, head);
        length = Put(xml, length, clientId);
        length = Put(xml, length, "'><body>"u8);
        length = Put(xml, length, TextStart);
        length = Put(xml, length, clientId);
        return Put(xml, length, TextEnd);
    }

    private void Pump()
    {
        lock (Device.SendLock)
        {
            Span<byte> xml = stackalloc byte[1024];
            Span<byte> clientId = stackalloc byte[MessageLedger.MaxClientIdBytes];
            while (!_stopped && Volatile.Read(ref _inFlight) < _window && Interlocked.Read(ref _allowance) > 0)
            {
                if (_allowance != long.MaxValue) Interlocked.Decrement(ref _allowance);
                var number = _ledger.Send(_stream, Stopwatch.GetTimestamp());
                _ledger.Acknowledge(_stream, number); // written to an open stream: owed to the recipient
                Interlocked.Increment(ref _inFlight);
                var idLength = MessageLedger.WriteClientId(clientId, _stream, number);
                Device.Append(xml[..Compose(xml, _head, clientId[..idLength])]);
            }
            Device.Flush();
        }
    }

    private static int Put(Span<byte> xml, int at, ReadOnlySpan<byte> bytes)
    {
        bytes.CopyTo(xml[at..]);
        return at + bytes.Length;
    }
}

/// <summary>The receiving side of an XMPP pair: accounts each message by the client id in its text and frees the sender's slot.</summary>
public sealed class XmppRecipient(MessageLedger ledger, OperationStats deliver, XmppSender sender) : IXmppEvents
{
    public void Received(ReadOnlySpan<byte> clientId)
    {
        var arrival = ledger.Receive(clientId, out var sentAt);
        if (arrival != Arrival.First) return;
        deliver.SucceedSince(sentAt);
        sender.Delivered();
    }

    public void Closed()
    {
    }
}
