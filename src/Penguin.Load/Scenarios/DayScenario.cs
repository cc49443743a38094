using System.Diagnostics;
using System.Globalization;
using Penguin.Client;
using Penguin.Load.Hosting;
using Penguin.Load.Measurement;
using Penguin.Protocol;

namespace Penguin.Load.Scenarios;

/// <summary>
/// A day of QQ (2004) compressed into --duration: --users active accounts, each with four friends; per quarter hour
/// of the simulated day the plan (<see cref="DayPlan"/>) brings accounts online (a reconnect with the token and the
/// cursor, so what they missed is replayed) and takes them offline (a goodbye, or one in five times a dropped
/// connection), so that the online count follows the day's curve. Online accounts ping, change presence now and
/// then, read what they received (msg.read) and send the day's messages — in proportion to the curve, 4 in 5 to a
/// friend who is online, the rest left for one who is not. Every message is accounted in a
/// <see cref="MessageLedger"/> (one stream per direction of a friendship); after the day every account still owed a
/// message logs in, and anything acknowledged that still has not arrived fails the run. The group share of the day
/// (<see cref="QqDay2004.GroupShare"/>) goes to groups of eight (<see cref="DayGroups"/>): an online member posts,
/// every other member is owed the message once (<see cref="DayGroupLedger"/>), live if online, else caught up over
/// REST at its next login or, after the day, from the start of the group's history.
/// </summary>
public sealed class DayScenario : IScenario
{
    /// <summary>The plan's seed: the same users and duration give the same sessions.</summary>
    public const int Seed = 2004;

    public string Name => "day";
    public string Description => "A compressed day shaped like QQ's 2004 figures: accounts log in and out along a daily curve, sync what they missed, ping, change presence, chat 1:1 with friends and in groups of eight, and read; every message and group delivery accounted.";
    public string? Unavailable => null;
    public TimeSpan DefaultDuration => TimeSpan.FromMinutes(5);

    public async Task RunAsync(ScenarioContext context, CancellationToken ct)
    {
        var o = context.Options;
        var prepared = await SimulatedUsers.PrepareAsync(context, o.Users, withTokens: true, ct);
        if (prepared.Count < 2)
        {
            context.Fail("not enough users could be prepared");
            return;
        }
        var ring = FriendGraph.Ring(prepared.Count, QqDay2004.FriendsPerUser);
        var made = await Friendships.BefriendAsync(context, [.. ring.Select(p => (prepared[p.A], prepared[p.B]))], ct);
        var graph = FriendGraph.Of(prepared.Count, ring.Where((_, i) => made[i]));
        if (graph.Streams == 0)
        {
            context.Fail("no friendship could be made");
            return;
        }

        // Where each account's log stands before the day: its first login resumes from here, so nothing sent to it
        // before that login is skipped (and a reused data directory's old messages are not replayed).
        var cursorDevices = await LiveDevices.ConnectAllAsync(context, prepared, context.Operations.Supporting("setup:cursor"), context.Concurrency(200), ct,
            i => NodePlacement.RoundRobin(i, context.Servers.Count));
        var users = prepared.Select((u, i) => new DayUser(i, u, context.WebSocketUriOf(NodePlacement.RoundRobin(i, context.Servers.Count)), cursorDevices[i]?.LastSeq ?? 0)).ToArray();
        await LiveDevices.CloseAllAsync(context, cursorDevices);

        var shape = new DayShape(users.Length, o.Duration ?? DefaultDuration);
        var groups = await DayGroups.CreateAsync(context, prepared, shape, ct);
        var plan = DayPlan.Build(shape, Seed);
        var day = new Day(context, shape, graph, users, groups);
        await day.RunAsync(plan, ct);
    }

    /// <summary>One account through the day: its device when online, its cursor, what it has yet to read.</summary>
    private sealed class DayUser(int index, SimulatedUser user, Uri webSocket, long cursor)
    {
        public int Index { get; } = index;
        public SimulatedUser User { get; } = user;
        public Uri WebSocket { get; } = webSocket;

        /// <summary>The cursor before the day: the final sync check asks for everything after it.</summary>
        public long DayStartCursor { get; } = cursor;

        /// <summary>Where the next login resumes (the last durable event the previous session processed).</summary>
        public long Cursor { get; set; } = cursor;

        /// <summary>Serializes logins and logouts of this account.</summary>
        public SemaphoreSlim Gate { get; } = new(1, 1);

        /// <summary>Guards <see cref="Online"/>, <see cref="Pending"/> and the unread state.</summary>
        public Lock Sync { get; } = new();

        public PenguinConnection? Device { get; set; }
        public bool Online { get; set; }
        public long SessionStart { get; set; }
        public CancellationTokenSource? Session { get; set; }
        public Task Reader { get; set; } = Task.CompletedTask;
        public Task Pinger { get; set; } = Task.CompletedTask;
        public List<Task> Pending { get; } = [];
        public Dictionary<long, long> Unread { get; } = [];
        public bool ReadScheduled { get; set; }
    }

    /// <summary>The running day: the online accounts, the ledger, the operations and the phases (one per simulated hour).</summary>
    private sealed class Day
    {
        private static readonly PresenceStatus[] Statuses = [PresenceStatus.Away, PresenceStatus.Busy, PresenceStatus.DoNotDisturb, PresenceStatus.Online];
        private readonly ScenarioContext _context;
        private readonly DayShape _shape;
        private readonly FriendGraph _graph;
        private readonly DayUser[] _users;
        private readonly MessageLedger _ledger;
        private readonly PhaseBuckets _phases;
        private readonly List<DayUser> _online = [];
        private readonly Random _random = new(Seed);
        private readonly OperationStats _login, _logout, _drop, _send, _deliver, _afterLogin, _read, _presence, _ping, _lost, _finalLogin, _finalDeliver;
        private readonly OperationStats _groupSend, _groupDeliver, _groupAfterLogin, _groupAfterDay;
        private readonly long[] _groupNumbers;
        private readonly DayGroupLedger _groupLedger;
        private readonly Dictionary<long, int> _indexOf;
        private long _groupNotSent, _groupClientNumber;
        private volatile bool _dayOver;
        private readonly List<Task> _transitions = [];
        private readonly List<Task> _finalReaders = [];
        private long _notSent, _toOnline, _toOffline;
        private CancellationToken _run;

        public Day(ScenarioContext context, DayShape shape, FriendGraph graph, DayUser[] users, long[] groupNumbers)
        {
            _groupNumbers = groupNumbers;
            _groupLedger = new DayGroupLedger([.. Enumerable.Range(0, shape.Groups).Select(shape.MembersOf)]);
            _indexOf = users.ToDictionary(u => u.User.Number, u => u.Index);
            _context = context;
            _shape = shape;
            _graph = graph;
            _users = users;
            _ledger = new MessageLedger(graph.Streams);
            _phases = new PhaseBuckets([.. Enumerable.Range(0, 24).Select(h => h.ToString("00", CultureInfo.InvariantCulture) + ":00"), "after the day"], shape.Hour);
            var ops = context.Operations;
            _login = ops.Measured("login", charted: false);
            _send = ops.Measured("send", charted: false);
            _deliver = ops.Measured("deliver");
            _afterLogin = ops.Measured("deliver-after-login", charted: false);
            _read = ops.Measured("read", charted: false);
            _presence = ops.Measured("presence", charted: false);
            _ping = ops.Measured("ping", charted: false);
            _logout = ops.Measured("logout", charted: false);
            _drop = ops.Measured("drop", charted: false);
            _lost = ops.Measured("stay-connected", charted: false);
            // After the day, the accounts still owed messages log in: accounted apart, so the day's figures are the day's.
            _finalLogin = ops.Measured("after-day:login", charted: false);
            _finalDeliver = ops.Measured("after-day:deliver-after-login", charted: false);
            _groupSend = ops.Measured("group-send", charted: false);
            _groupDeliver = ops.Measured("group-deliver", charted: false);
            _groupAfterLogin = ops.Measured("group-deliver-after-login", charted: false);
            _groupAfterDay = ops.Measured("after-day:group-catch-up", charted: false);
        }

        public async Task RunAsync(IReadOnlyList<SlotPlan> plan, CancellationToken ct)
        {
            _run = ct;
            var s = _shape;
            _context.Progress.Line($"day: {s.Accounts} accounts, peak {s.PeakOnline} online, {s.TotalMessages} messages ({s.GroupMessages} group) in {s.Day.TotalSeconds} s = 24 h " +
                $"(1 s = {s.Compression:F0} s); {s.AverageMessagesPerSecond:F1} msgs/s on average, {s.PeakMessagesPerSecond:F1} at the peak");
            _context.Progress.Track(_deliver);
            var cpuBefore = _context.ServerCpuSeconds();
            var dayStarted = Stopwatch.GetTimestamp();
            _phases.Start(cpuBefore, Rss());
            using var sampling = CancellationTokenSource.CreateLinkedTokenSource(ct);
            var sampler = SampleOnlineAsync(sampling.Token);

            for (var slot = 0; slot < DayShape.Slots; slot++)
            {
                var slotStart = dayStarted + (long)(s.Slot.TotalSeconds * slot * Stopwatch.Frequency);
                await DelayUntil(slotStart, ct);
                if (slot % DayShape.SlotsPerHour == 0 && slot > 0) _phases.Mark(slot / DayShape.SlotsPerHour, _context.ServerCpuSeconds(), Rss());
                var p = plan[slot];
                _phases.Count(p.Hour, PhaseCounter.MessagePlanned, p.Messages);
                lock (_transitions)
                {
                    _transitions.RemoveAll(t => t.IsCompleted);
                    foreach (var i in p.LogOut) _transitions.Add(EndSessionAsync(_users[i], drop: false));
                    foreach (var i in p.Drop) _transitions.Add(EndSessionAsync(_users[i], drop: true));
                    foreach (var i in p.LogIn) _transitions.Add(StartSessionAsync(_users[i]));
                }
                await RunSlotAsync(p, slotStart, slotStart + (long)(s.Slot.TotalSeconds * Stopwatch.Frequency), ct);
            }
            var daySeconds = Stopwatch.GetElapsedTime(dayStarted).TotalSeconds;
            Task[] transitions;
            lock (_transitions) transitions = [.. _transitions];
            await Task.WhenAll(transitions);
            await Task.WhenAll(_users.Select(u => { Task[] pending; lock (u.Sync) pending = [.. u.Pending]; return Task.WhenAll(pending); }));
            var cpuDay = _context.ServerCpuSeconds();
            _phases.Finish(cpuDay, Rss());
            _context.Progress.Line($"day over after {daySeconds:F1} s: {_ledger.Acknowledged} messages acknowledged, {_ledger.Received} delivered; {_online.Count} accounts online");

            // After the day: every account still owed a message logs in (resuming from its cursor) and everyone waits.
            _dayOver = true;
            var owed = Owed().Where(u => !u.Online).ToArray();
            _context.Progress.Line($"{owed.Length} offline accounts are owed messages; they log in");
            await Task.WhenAll(owed.Select(StartSessionAsync));
            var settled = await MessageTraffic.WaitSettledAsync(_ledger, ChatScenario.Grace, ct);
            var deliveredBeforeCheck = _ledger.Received;
            var synced = 0;
            using var listening = CancellationTokenSource.CreateLinkedTokenSource(ct);
            if (!settled)
            {
                _ledger.BeginSyncCheck();
                var missing = Owed().ToArray();
                synced = missing.Length;
                _context.Note($"{_ledger.Missing} acknowledged messages had not arrived {ChatScenario.Grace.TotalSeconds} s after the last login; syncing {missing.Length} accounts from their cursor before the day");
                await MessageTraffic.SyncCheckAsync(_context, _ledger,
                    [.. missing.Select(u => new SyncTarget(u.User.Number, u.User.Token!, u.Online ? u.Device : null, u.WebSocket, u.DayStartCursor))],
                    (received, arrival, sentAt) => Arrived(null, received, arrival, sentAt), _finalReaders, listening.Token);
            }
            await GroupCheckAfterDayAsync(ct);
            var cpuEnd = _context.ServerCpuSeconds();
            _phases.End(cpuEnd, Rss());
            await sampling.CancelAsync();
            await sampler;

            // Logging everyone out is teardown, not part of the day.
            await listening.CancelAsync();
            await Task.WhenAll(_finalReaders);
            await Task.WhenAll(_users.Where(u => u.Device is not null).Select(u => EndSessionAsync(u, drop: false, teardown: true)));
            Report(daySeconds, deliveredBeforeCheck, synced, cpuBefore, cpuDay, cpuEnd);
        }

        /// <summary>Accounts with an acknowledged message that has not arrived.</summary>
        private IEnumerable<DayUser> Owed() => _ledger.StreamsMissing().Select(stream => _users[_graph.Stream(stream).To]).Distinct();

        /// <summary>Sends the slot's messages and presence changes at random moments spread over the slot.</summary>
        private async Task RunSlotAsync(SlotPlan p, long start, long end, CancellationToken ct)
        {
            var events = new List<(long At, int Kind)>();
            var span = end - start;
            for (var i = 0; i < p.Messages; i++) events.Add((start + (long)(_random.NextDouble() * span), 0));
            for (var i = 0; i < p.PresenceChanges; i++) events.Add((start + (long)(_random.NextDouble() * span), 1));
            for (var i = 0; i < p.GroupMessages; i++) events.Add((start + (long)(_random.NextDouble() * span), 2));
            events.Sort((a, b) => a.At.CompareTo(b.At));
            foreach (var (at, kind) in events)
            {
                await DelayUntil(at, ct);
                if (kind == 0) SendOne(p.Hour);
                else if (kind == 1) ChangePresence();
                else SendToGroup();
            }
            await DelayUntil(end, ct);
        }

        private static async Task DelayUntil(long timestamp, CancellationToken ct)
        {
            var wait = timestamp - Stopwatch.GetTimestamp();
            if (wait > Stopwatch.Frequency / 1000) await Task.Delay(TimeSpan.FromSeconds((double)wait / Stopwatch.Frequency), ct);
        }

        /// <summary>One message from an online account: to an online friend 4 times in 5 (when one is found), else to an offline friend.</summary>
        private void SendOne(int hour)
        {
            DayUser? from = null;
            var friend = -1;
            lock (_online)
            {
                if (_online.Count == 0)
                {
                    _notSent++;
                    return;
                }
                var live = _random.NextDouble() < QqDay2004.LiveShare;
                for (var attempt = 0; attempt < 8 && friend < 0; attempt++)
                {
                    var candidate = _online[_random.Next(_online.Count)];
                    var friends = _graph.FriendsOf(candidate.Index);
                    if (friends.Count == 0) continue;
                    var matching = Enumerable.Range(0, friends.Count).Where(f => _users[friends[f]].Online == live).ToArray();
                    if (matching.Length == 0) continue;
                    from = candidate;
                    friend = matching[_random.Next(matching.Length)];
                }
                if (friend < 0)
                {
                    from = _online[_random.Next(_online.Count)];
                    var count = _graph.FriendsOf(from.Index).Count;
                    if (count == 0)
                    {
                        _notSent++;
                        return;
                    }
                    friend = _random.Next(count);
                }
            }
            var to = _users[_graph.FriendsOf(from!.Index)[friend]];
            if (to.Online) Interlocked.Increment(ref _toOnline);
            else Interlocked.Increment(ref _toOffline);
            var stream = _graph.StreamOf(from.Index, friend);
            if (!TryRun(from, device => SendAsync(device, stream, to.User.Number, hour))) Interlocked.Increment(ref _notSent);
        }

        private async Task SendAsync(PenguinConnection device, int stream, long to, int hour)
        {
            var started = _send.Start();
            var number = _ledger.Send(stream, started);
            var clientId = MessageLedger.ClientId(stream, number);
            _phases.Count(hour, PhaseCounter.MessageSent);
            try
            {
                await device.SendTextAsync(to, MessageTraffic.Text(clientId), clientId);
                _send.Succeed(started);
                _ledger.Acknowledge(stream, number);
                _phases.Count(PhaseCounter.MessageAcknowledged);
            }
            catch (Exception e)
            {
                _send.Fail(started, OperationStats.Describe(e));
                _ledger.Reject(stream, number);
                _phases.Count(PhaseCounter.Error);
            }
        }

        /// <summary>One group message from an online account whose group exists, to its group.</summary>
        private void SendToGroup()
        {
            DayUser? from = null;
            lock (_online)
            {
                for (var attempt = 0; attempt < 8 && from is null && _online.Count > 0 && _shape.Groups > 0; attempt++)
                {
                    var candidate = _online[_random.Next(_online.Count)];
                    if (_groupNumbers[_shape.GroupOf(candidate.Index)] != 0) from = candidate;
                }
            }
            if (from is null || !TryRun(from, device => SendToGroupAsync(device, from.Index))) Interlocked.Increment(ref _groupNotSent);
        }

        private async Task SendToGroupAsync(PenguinConnection device, int from)
        {
            var group = _shape.GroupOf(from);
            var started = _groupSend.Start();
            var clientId = DayGroupLedger.ClientId(from, Interlocked.Increment(ref _groupClientNumber));
            _groupLedger.Sending(clientId, group, from, started);
            try
            {
                var sent = await device.SendGroupTextAsync(_groupNumbers[group], MessageTraffic.Text(clientId), clientId);
                _groupSend.Succeed(started);
                _groupLedger.Acknowledge(clientId, sent.Message.Seq);
            }
            catch (Exception e)
            {
                _groupSend.Fail(started, OperationStats.Describe(e));
                _groupLedger.Reject(clientId);
                _phases.Count(PhaseCounter.Error);
            }
        }

        /// <summary>A live <c>group.message</c> on a member's device.</summary>
        private void GroupArrived(DayUser user, ServerFrame frame)
        {
            if (frame is not GroupMessageReceived { Message: var m } || _shape.Groups == 0) return;
            var group = _shape.GroupOf(user.Index);
            if (m.GroupId != _groupNumbers[group] || !_indexOf.TryGetValue(m.From, out var from)) return;
            if (_groupLedger.Receive(user.Index, group, m.Seq, m.ClientId, from, live: true) is { } sentAt) _groupDeliver.SucceedSince(sentAt);
        }

        /// <summary>
        /// What a client does on start-up for its groups: pages the history after the last seq it holds (the whole
        /// history after the day, <paramref name="fromStart"/>). Live frames racing with it count once.
        /// </summary>
        private async Task CatchUpGroupAsync(DayUser user, OperationStats stats, long since, bool fromStart, CancellationToken ct)
        {
            if (_shape.Groups == 0 || _groupNumbers[_shape.GroupOf(user.Index)] is not (> 0 and var number)) return;
            var group = _shape.GroupOf(user.Index);
            using var rest = _context.NewClient();
            rest.Token = user.User.Token;
            try
            {
                for (var held = fromStart ? 0 : _groupLedger.HeldBy(user.Index, group); ;)
                {
                    var page = await rest.GetGroupHistoryAsync(number, after: held, limit: 100, ct: ct);
                    foreach (var m in page.Messages)
                        if (_indexOf.TryGetValue(m.From, out var from) && _groupLedger.Receive(user.Index, group, m.Seq, m.ClientId, from, live: false) is not null)
                            stats.SucceedSince(since);
                    if (!page.More || page.Messages.Length == 0) return;
                    held = page.Messages[^1].Seq;
                }
            }
            catch (Exception e) when (e is not OperationCanceledException || !ct.IsCancellationRequested)
            {
                stats.Fail(since, OperationStats.Describe(e));
                _phases.Count(PhaseCounter.Error);
            }
        }

        /// <summary>After the day every member reads its group's history from the start: whatever is still owed must be there.</summary>
        private async Task GroupCheckAfterDayAsync(CancellationToken ct)
        {
            if (_groupLedger.Missing == 0) return;
            var started = _groupAfterDay.Start();
            var options = new ParallelOptions { MaxDegreeOfParallelism = SimulatedUsers.SetupConcurrency, CancellationToken = ct };
            await Parallel.ForEachAsync(_users, options, async (user, token) => await CatchUpGroupAsync(user, _groupAfterDay, started, fromStart: true, token));
        }

        private void ChangePresence()
        {
            DayUser user;
            lock (_online)
            {
                if (_online.Count == 0) return;
                user = _online[_random.Next(_online.Count)];
            }
            var status = Statuses[Random.Shared.Next(Statuses.Length)];
            TryRun(user, device => Measure(_presence, PhaseCounter.PresenceChange, () => device.SetPresenceAsync(status)));
        }

        /// <summary>Runs <paramref name="work"/> on the account's device if it is online; its session does not end before the work has.</summary>
        private static bool TryRun(DayUser user, Func<PenguinConnection, Task> work)
        {
            lock (user.Sync)
            {
                if (!user.Online || user.Device is not { } device) return false;
                if (user.Pending.Count > 32) user.Pending.RemoveAll(t => t.IsCompleted);
                user.Pending.Add(Task.Run(() => work(device)));
                return true;
            }
        }

        private async Task Measure(OperationStats operation, PhaseCounter counter, Func<Task> work)
        {
            if (await operation.MeasureAsync(work)) _phases.Count(counter);
            else _phases.Count(PhaseCounter.Error);
        }

        /// <summary>Logs in with the token, resuming from the cursor: the server replays what was missed, then live traffic follows.</summary>
        private async Task StartSessionAsync(DayUser user)
        {
            await user.Gate.WaitAsync(_run);
            try
            {
                if (user.Device is not null) await CleanUpAsync(user); // the previous session was lost
                var login = _dayOver ? _finalLogin : _login;
                var started = login.Start();
                PenguinConnection device;
                try
                {
                    device = await PenguinConnection.ConnectAsync(user.WebSocket, user.User.Token!, since: user.Cursor, status: null, _context.Network.Invoker, _run);
                }
                catch (Exception e) when (!_run.IsCancellationRequested)
                {
                    login.Fail(started, OperationStats.Describe(e));
                    _phases.Count(PhaseCounter.Error);
                    return;
                }
                login.Succeed(started);
                _phases.Count(PhaseCounter.Login);
                user.SessionStart = started;
                user.Device = device;
                user.Session = CancellationTokenSource.CreateLinkedTokenSource(_run);
                user.Reader = ReadAsync(user, device);
                lock (user.Sync) user.Online = true;
                lock (_online) _online.Add(user);
                // Group messages are not in the log: the group's history is paged after the last seq held.
                var session = user.Session.Token;
                TryRun(user, _ => CatchUpGroupAsync(user, _groupAfterLogin, started, fromStart: false, session));
                user.Pinger = PingAsync(user, user.Session.Token);
            }
            finally
            {
                user.Gate.Release();
            }
        }

        /// <summary>Ends the session: waits for its requests, says goodbye (or drops the connection), and keeps the cursor for the next login.</summary>
        private async Task EndSessionAsync(DayUser user, bool drop, bool teardown = false)
        {
            await user.Gate.WaitAsync(CancellationToken.None);
            try
            {
                if (user.Device is not { } device) return;
                bool wasOnline;
                Task[] pending;
                lock (user.Sync)
                {
                    wasOnline = user.Online;
                    user.Online = false;
                    pending = [.. user.Pending];
                    user.Pending.Clear();
                }
                lock (_online) _online.Remove(user);
                await user.Session!.CancelAsync();
                await Task.WhenAll(pending);
                if (wasOnline) _lost.Tally(true);
                if (wasOnline && !teardown)
                {
                    if (drop)
                    {
                        await Measure(_drop, PhaseCounter.Drop, () => { device.Abort(); return Task.CompletedTask; });
                    }
                    else await Measure(_logout, PhaseCounter.Logout, device.CloseAsync);
                }
                else if (teardown) await device.CloseAsync();
                await CleanUpAsync(user);
            }
            finally
            {
                user.Gate.Release();
            }
        }

        /// <summary>After the connection has ended: the reader accounts every event still buffered, then the cursor is kept.</summary>
        private static async Task CleanUpAsync(DayUser user)
        {
            var device = user.Device!;
            if (user.Session is { } session) await session.CancelAsync(); // a lost session's pings and reads stop too
            if (!device.Completion.IsCompleted) device.Abort();
            await user.Reader;
            await user.Pinger;
            user.Cursor = Math.Max(user.Cursor, device.LastSeq);
            await device.DisposeAsync();
            user.Session?.Dispose();
            user.Session = null;
            user.Device = null;
            lock (user.Sync)
            {
                user.Unread.Clear();
                user.ReadScheduled = false;
            }
        }

        /// <summary>Reads the device's events until the connection ends (closed by the account, or lost).</summary>
        private async Task ReadAsync(DayUser user, PenguinConnection device)
        {
            await Task.Yield();
            await MessageTraffic.ReceiveAsync(device, user.User.Number, _ledger, (received, arrival, sentAt) => Arrived(user, received, arrival, sentAt), CancellationToken.None,
                frame => GroupArrived(user, frame));
            bool lost;
            lock (user.Sync)
            {
                lost = user.Online;
                user.Online = false;
            }
            if (!lost) return;
            lock (_online) _online.Remove(user);
            _lost.Tally(false, $"connection lost ({device.CloseStatus?.ToString() ?? "no close status"})");
            _phases.Count(PhaseCounter.Error);
        }

        private void Arrived(DayUser? user, MessageReceived received, Arrival arrival, long sentAt)
        {
            if (arrival != Arrival.First) return;
            if (user is null || sentAt >= user.SessionStart)
            {
                _deliver.SucceedSince(sentAt);
                _phases.Delivered(Stopwatch.GetElapsedTime(sentAt).TotalMilliseconds);
            }
            else
            {
                (_dayOver ? _finalDeliver : _afterLogin).SucceedSince(user.SessionStart);
                _phases.Count(PhaseCounter.DeliveredAfterLogin);
            }
            if (user is null) return;
            bool schedule;
            lock (user.Sync)
            {
                var from = received.Message.From;
                user.Unread[from] = Math.Max(user.Unread.GetValueOrDefault(from), received.Message.Seq);
                schedule = user.Online && !user.ReadScheduled;
                if (schedule) user.ReadScheduled = true;
            }
            if (schedule && user.Session is { } session) _ = ReadLaterAsync(user, session.Token);
        }

        /// <summary>Within half a simulated hour of the first unread message, the account reads every conversation with unread messages.</summary>
        private async Task ReadLaterAsync(DayUser user, CancellationToken session)
        {
            try
            {
                await Task.Delay(_shape.Slot * (2 * Random.Shared.NextDouble()), session);
            }
            catch (OperationCanceledException)
            {
                return;
            }
            KeyValuePair<long, long>[] unread;
            lock (user.Sync)
            {
                unread = [.. user.Unread];
                user.Unread.Clear();
                user.ReadScheduled = false;
            }
            foreach (var (peer, seq) in unread)
                TryRun(user, device => Measure(_read, PhaseCounter.Read, () => device.MarkReadAsync(peer, seq)));
        }

        /// <summary>A heartbeat every --ping-interval (real time: the server's 60 s timeout is not compressed), the first at a random point of it.</summary>
        private async Task PingAsync(DayUser user, CancellationToken session)
        {
            var interval = _context.Options.PingInterval;
            try
            {
                await Task.Delay(interval * Random.Shared.NextDouble(), session);
                while (!session.IsCancellationRequested)
                {
                    TryRun(user, device => Measure(_ping, PhaseCounter.Ping, () => device.PingAsync()));
                    await Task.Delay(interval, session);
                }
            }
            catch (OperationCanceledException)
            {
            }
        }

        private async Task SampleOnlineAsync(CancellationToken ct)
        {
            using var timer = new PeriodicTimer(TimeSpan.FromMilliseconds(250));
            var tick = 0;
            try
            {
                while (await timer.WaitForNextTickAsync(ct))
                {
                    int online;
                    lock (_online) online = _online.Count;
                    _phases.Online(online);
                    if (++tick % 4 == 0) _context.Operations.Series.RecordOnline(online);
                }
            }
            catch (OperationCanceledException)
            {
            }
        }

        private long? Rss() => _context.ServerProcess?.SampleNow()?.RssKiB;

        private void Report(double daySeconds, long deliveredBeforeCheck, int synced, double? cpuBefore, double? cpuDay, double? cpuEnd)
        {
            var s = _shape;
            var c = _context;
            var phases = _phases.Report();
            c.Phases = phases;
            _deliver.Plan(_ledger.Acknowledged - _afterLogin.Succeeded - _finalDeliver.Succeeded);
            var missing = _ledger.Missing;
            for (var i = 0; i < missing; i++) _deliver.Settle("acknowledged, never arrived");
            _send.Plan(s.TotalMessages - s.GroupMessages);
            _groupSend.Plan(s.GroupMessages);
            var groupMissing = _groupLedger.Missing;
            _groupDeliver.Plan(_groupLedger.Owed - _groupAfterLogin.Succeeded - _groupAfterDay.Succeeded);
            for (var i = 0; i < groupMissing; i++) _groupDeliver.Settle("acknowledged, never arrived");
            c.Figure("accounts", s.Accounts);
            c.Figure("friendships", _graph.Streams / 2);
            c.Figure("day_seconds", daySeconds);
            c.Figure("compression", s.Compression);
            c.Figure("model_messages_per_account_per_day", QqDay2004.MessagesPerAccountPerDay);
            c.Figure("model_peak_to_average", QqDay2004.PeakToAverage);
            c.Figure("planned_peak_online", s.PeakOnline);
            c.Figure("planned_messages", s.TotalMessages);
            c.Figure("planned_group_messages", s.GroupMessages);
            c.Figure("planned_peak_messages_per_second", s.PeakMessagesPerSecond);
            c.Figure("planned_average_messages_per_second", s.AverageMessagesPerSecond);
            var hours = phases.Take(24).ToArray();
            c.Figure("measured_peak_online", hours.Max(p => p.OnlineMax));
            c.Figure("logins", _login.Succeeded);
            c.Figure("logins_after_day", _finalLogin.Succeeded);
            c.Figure("logouts", _logout.Succeeded);
            c.Figure("drops", _drop.Succeeded);
            c.Figure("connections_lost", _lost.Failed);
            c.Figure("messages_not_sent_nobody_online", _notSent);
            c.Figure("messages_to_online_friends", _toOnline);
            c.Figure("messages_to_offline_friends", _toOffline);
            c.Figure("messages_sent", _ledger.Sent);
            c.Figure("messages_acknowledged", _ledger.Acknowledged);
            c.Figure("messages_rejected", _ledger.Rejected);
            c.Figure("messages_delivered", _ledger.Received);
            c.Figure("delivered_live", _deliver.Succeeded - _ledger.ReceivedBySync);
            c.Figure("delivered_after_login", _afterLogin.Succeeded);
            c.Figure("delivered_after_day", _finalDeliver.Succeeded);
            c.Figure("delivered_before_check", deliveredBeforeCheck);
            c.Figure("recovered_by_sync", _ledger.ReceivedBySync);
            c.Figure("accounts_sync_checked", synced);
            c.Figure("acknowledged_never_arrived", missing);
            c.Figure("duplicates", _ledger.Duplicates);
            c.Figure("received_unacknowledged", _ledger.ReceivedUnacknowledged);
            c.Figure("groups", _groupNumbers.Count(n => n != 0));
            c.Figure("group_messages_not_sent_nobody_online", Interlocked.Read(ref _groupNotSent));
            c.Figure("group_messages_sent", _groupLedger.Sent);
            c.Figure("group_messages_acknowledged", _groupLedger.Acknowledged);
            c.Figure("group_messages_rejected", _groupLedger.Rejected);
            c.Figure("group_deliveries_owed", _groupLedger.Owed);
            c.Figure("group_deliveries", _groupLedger.Delivered);
            c.Figure("group_delivered_live", _groupLedger.DeliveredLive);
            c.Figure("group_delivered_after_login", _groupAfterLogin.Succeeded);
            c.Figure("group_delivered_after_day", _groupAfterDay.Succeeded);
            c.Figure("group_deliveries_missing", groupMissing);
            c.Figure("group_duplicates", _groupLedger.Duplicates);
            c.Figure("group_received_unacknowledged", _groupLedger.ReceivedUnacknowledged);
            c.Figure("reads", _read.Succeeded);
            c.Figure("presence_changes", _presence.Succeeded);
            c.Figure("pings", _ping.Succeeded);
            if (cpuBefore is { } c0 && cpuDay is { } c1)
            {
                c.Figure("server_cpu_seconds_day", c1 - c0);
                c.Figure("server_cores_busy_day", (c1 - c0) / daySeconds);
                if (_ledger.Received > 0) c.Figure("server_cpu_us_per_message_day", (c1 - c0) * 1e6 / _ledger.Received);
                var operations = _login.Succeeded + _ledger.Acknowledged + _read.Succeeded + _presence.Succeeded + _ping.Succeeded + _logout.Succeeded;
                if (operations > 0) c.Figure("server_cpu_us_per_operation_day", (c1 - c0) * 1e6 / operations);
            }
            // Hour by hour, server cores busy against messages/s: the slope is the CPU one more message of the day's mix
            // costs (its share of logins, reads, receipts included), the intercept what the server burns with no traffic.
            // Hour 0 is left out: it carries the server's warm-up (JIT, first logins).
            if (PhaseFit.Linear([.. hours.Skip(1).Where(p => p.ServerCoresBusy is not null && p.Seconds > 0).Select(p => (p.MessagesAcknowledged / p.Seconds, p.ServerCoresBusy!.Value))]) is { } fit)
            {
                c.Figure("server_cpu_us_per_message_marginal", fit.Slope * 1e6);
                c.Figure("server_cores_busy_without_messages", fit.Intercept);
            }
            if (cpuDay is { } d0 && cpuEnd is { } d1) c.Figure("server_cpu_seconds_after_day", d1 - d0);
            if (c.ServerProcess is { } process) c.Figure("server_rss_peak_kib", process.PeakRssKiB);

            c.Note($"model: QQ 2004 — {QqDay2004.PeakOnline / 1e6:F1} M peak online, {QqDay2004.MessagesPerDay / 1e6:F1} M messages/day, active accounts assumed {QqDay2004.ActiveAccountsPerPeakOnline} × peak online → " +
                $"{QqDay2004.MessagesPerAccountPerDay:F1} messages per account per day, peak/average {QqDay2004.PeakToAverage:F2}; 24 h in {s.Day.TotalSeconds} s");
            c.Note($"group chat: {QqDay2004.GroupShare:P0} of the traffic ({s.GroupMessages} messages) in {s.Groups} groups of about {QqDay2004.GroupSize}; " +
                $"{_groupLedger.Owed} deliveries owed, {_groupLedger.DeliveredLive} live, {_groupAfterLogin.Succeeded} caught up at login, {_groupAfterDay.Succeeded} after the day / 群聊占 {QqDay2004.GroupShare:P0}");
            foreach (var failure in _groupLedger.Failures()) c.Fail(failure);
            if (_notSent > 0) c.Note($"{_notSent} planned messages were not sent: no account was online at that moment");
            if (_ledger.ReceivedBySync > 0) c.Note($"{_ledger.ReceivedBySync} messages arrived only through the final sync, not live or on login");
            foreach (var failure in _ledger.Failures()) c.Fail(failure);
            if (_ledger.Acknowledged == 0) c.Fail("no message was acknowledged: nothing was measured");
        }
    }
}
