namespace Penguin.Load.Scenarios;

/// <summary>
/// QQ's published 2004 figures and the assumptions that turn them into a day of use per account. Everything the
/// <c>day</c> scenario derives (messages per account per day, online share, peak/average ratio) comes from here;
/// docs/benchmarks.md ("A compressed day") states the sources and the assumptions.
/// </summary>
public static class QqDay2004
{
    /// <summary>Peak concurrent online accounts, 2004 (published).</summary>
    public const double PeakOnline = 6_100_000;

    /// <summary>Messages per day, 2004 (published).</summary>
    public const double MessagesPerDay = 848_800_000;

    /// <summary>
    /// Assumption: active accounts ≈ 12 × peak concurrent online (≈ 73 million). Not a published 2004 figure: the ratio
    /// of a PC-era client that is online only while the computer is on (an average account online about an hour a
    /// day). Later published pairs have a smaller ratio (2013: 798.2 M active, 176.4 M peak = 4.5 ×, with mobile
    /// clients that stay online); a smaller ratio means fewer messages per account and more of them online.
    /// </summary>
    public const double ActiveAccountsPerPeakOnline = 12;

    public const double ActiveAccounts = PeakOnline * ActiveAccountsPerPeakOnline;

    /// <summary>848.8 M / 73.2 M ≈ 11.6 messages per active account per day.</summary>
    public const double MessagesPerAccountPerDay = MessagesPerDay / ActiveAccounts;

    /// <summary>
    /// Assumption: online accounts by hour of day (local time, hour h = [h, h+1)), relative to the evening peak:
    /// a PC-era Chinese IM day — trough at 05:00 (12 %), office plateau 10–17 h (~70 %), peak 21:00. Messages per
    /// online account per hour are assumed constant, so messages follow the same curve.
    /// </summary>
    public static IReadOnlyList<double> OnlineByHour { get; } =
    [
        0.55, 0.38, 0.25, 0.17, 0.13, 0.12, 0.15, 0.25, 0.42, 0.60, 0.70, 0.72,
        0.66, 0.68, 0.74, 0.76, 0.75, 0.70, 0.68, 0.80, 0.93, 1.00, 0.92, 0.75,
    ];

    /// <summary>Peak / average of the online (and message) curve: 1 / mean of <see cref="OnlineByHour"/> ≈ 1.74.</summary>
    public static double PeakToAverage => 1 / OnlineByHour.Average();

    /// <summary>
    /// Assumption: one message in four goes to a group (群). QQ published no 2004 split; group chat was already
    /// where classes, families and offices talked, and each group message reaches several people, so deliveries
    /// lean further to groups than messages do. 1:1 traffic is the rest.
    /// </summary>
    public const double GroupShare = 0.25;

    /// <summary>Assumption: a group has 8 members (a class, a family, an office); each account is in one group.</summary>
    public const int GroupSize = 8;

    /// <summary>Assumption: every account has this many friends (a ring: i is friends with i±1, i±2).</summary>
    public const int FriendsPerUser = 4;

    /// <summary>Assumption: a session lasts an hour on average (so an active account is online ~1.15 sessions a day).</summary>
    public const double MeanSessionHours = 1.0;

    /// <summary>Assumption: one session in five ends by losing the connection (no goodbye) instead of logging out.</summary>
    public const double DropShare = 0.2;

    /// <summary>Assumption: four messages in five go to a friend who is online (a conversation); the rest are left offline.</summary>
    public const double LiveShare = 0.8;

    /// <summary>Assumption: an online user changes presence (away, busy, …) every two hours.</summary>
    public const double PresenceChangesPerOnlineHour = 0.5;
}

/// <summary>
/// QQ's 2004 day scaled to <see cref="Accounts"/> active accounts and compressed into <see cref="Day"/>: the target
/// online count and the messages of every slot (a quarter of an hour of the simulated day).
/// </summary>
public sealed class DayShape
{
    public const int SlotsPerHour = 4;
    public const int Slots = 24 * SlotsPerHour;

    private readonly double[] _share;
    private readonly long[] _messages;
    private readonly long[] _groupMessages;
    private readonly long[] _presence;

    public DayShape(int accounts, TimeSpan day)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(accounts, 1);
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(day, TimeSpan.Zero);
        Accounts = accounts;
        Day = day;
        PeakOnline = (int)Math.Round(accounts / QqDay2004.ActiveAccountsPerPeakOnline, MidpointRounding.AwayFromZero);
        _share = [.. Enumerable.Range(0, Slots).Select(s => OnlineShare((s + 0.5) / SlotsPerHour))];
        TotalMessages = (long)Math.Round(accounts * QqDay2004.MessagesPerAccountPerDay, MidpointRounding.AwayFromZero);
        GroupMessages = accounts < 2 ? 0 : (long)Math.Round(TotalMessages * QqDay2004.GroupShare, MidpointRounding.AwayFromZero);
        _messages = Apportion(_share, TotalMessages - GroupMessages);
        _groupMessages = Apportion(_share, GroupMessages);
        var presence = (long)Math.Round(Enumerable.Range(0, Slots).Sum(s => TargetOnline(s) * QqDay2004.PresenceChangesPerOnlineHour / SlotsPerHour), MidpointRounding.AwayFromZero);
        _presence = Apportion([.. Enumerable.Range(0, Slots).Select(s => (double)TargetOnline(s))], presence);
    }

    public int Accounts { get; }
    public TimeSpan Day { get; }

    /// <summary>Accounts online at the evening peak: accounts / 12.</summary>
    public int PeakOnline { get; }

    /// <summary>Messages of the whole day: accounts × 11.6.</summary>
    public long TotalMessages { get; }

    /// <summary>The group share of <see cref="TotalMessages"/> (<see cref="QqDay2004.GroupShare"/>).</summary>
    public long GroupMessages { get; }

    /// <summary>
    /// The day's groups: consecutive accounts in groups of <see cref="QqDay2004.GroupSize"/>, the last group taking
    /// the remainder (so no group has fewer than two members); none with fewer than two accounts.
    /// </summary>
    public int Groups => Accounts < 2 ? 0 : Math.Max(1, Accounts / QqDay2004.GroupSize);

    /// <summary>The group account <paramref name="account"/> is in (see <see cref="Groups"/>).</summary>
    public int GroupOf(int account) => Math.Min(account / QqDay2004.GroupSize, Groups - 1);

    /// <summary>The accounts of group <paramref name="group"/>, in order; the first is its owner.</summary>
    public IReadOnlyList<int> MembersOf(int group)
    {
        var first = group * QqDay2004.GroupSize;
        var end = group == Groups - 1 ? Accounts : first + QqDay2004.GroupSize;
        return [.. Enumerable.Range(first, end - first)];
    }

    /// <summary>Group messages planned in slot <paramref name="slot"/>, in proportion to the curve like 1:1 (sums exactly).</summary>
    public long GroupMessagesIn(int slot) => _groupMessages[slot];

    /// <summary>Real seconds per simulated hour.</summary>
    public TimeSpan Hour => Day / 24;

    public TimeSpan Slot => Day / Slots;

    /// <summary>Simulated seconds per real second (86,400 / day length).</summary>
    public double Compression => TimeSpan.FromDays(1) / Day;

    /// <summary>The online curve at <paramref name="hour"/> (0–24, wrapping), relative to the peak: linear between hour midpoints.</summary>
    public static double OnlineShare(double hour)
    {
        var curve = QqDay2004.OnlineByHour;
        var x = hour - 0.5;
        var floor = Math.Floor(x);
        var f = x - floor;
        var h = (int)((floor % 24 + 24) % 24);
        return curve[h] * (1 - f) + curve[(h + 1) % 24] * f;
    }

    /// <summary>Accounts the plan keeps online during slot <paramref name="slot"/>.</summary>
    public int TargetOnline(int slot) => Math.Min(Accounts, (int)Math.Round(PeakOnline * _share[slot], MidpointRounding.AwayFromZero));

    /// <summary>1:1 messages planned in slot <paramref name="slot"/>: the day's total shared in proportion to the curve (sums exactly).</summary>
    public long MessagesIn(int slot) => _messages[slot];

    /// <summary>Presence changes planned in slot <paramref name="slot"/> (in proportion to the online count).</summary>
    public long PresenceChangesIn(int slot) => _presence[slot];

    /// <summary>1:1 messages planned in simulated hour <paramref name="hour"/>.</summary>
    public long MessagesInHour(int hour) => Enumerable.Range(hour * SlotsPerHour, SlotsPerHour).Sum(MessagesIn);

    /// <summary>Peak / average of the planned message rate over the slots (≈ <see cref="QqDay2004.PeakToAverage"/>).</summary>
    public double MessagePeakToAverage => _messages.Max() / _messages.Average();

    /// <summary>Messages per second at the busiest slot and on average, in real (compressed) time.</summary>
    public double PeakMessagesPerSecond => _messages.Max() / Slot.TotalSeconds;

    public double AverageMessagesPerSecond => (TotalMessages - GroupMessages) / Day.TotalSeconds;

    /// <summary>Splits <paramref name="total"/> in proportion to <paramref name="weights"/> by largest remainder: the parts sum exactly to the total.</summary>
    public static long[] Apportion(IReadOnlyList<double> weights, long total)
    {
        var sum = weights.Sum();
        var parts = new long[weights.Count];
        if (sum <= 0 || total <= 0) return parts;
        var remainders = new (double Remainder, int Index)[weights.Count];
        long given = 0;
        for (var i = 0; i < weights.Count; i++)
        {
            var exact = total * weights[i] / sum;
            parts[i] = (long)Math.Floor(exact);
            given += parts[i];
            remainders[i] = (exact - parts[i], i);
        }
        foreach (var (_, i) in remainders.OrderByDescending(r => r.Remainder).ThenBy(r => r.Index).Take((int)(total - given)))
            parts[i]++;
        return parts;
    }
}

/// <summary>What happens in one slot: who logs in, who logs out, who drops, and how much is sent.</summary>
public sealed record SlotPlan(int Slot, int Target, int[] LogIn, int[] LogOut, int[] Drop, long Messages, long PresenceChanges, long GroupMessages = 0)
{
    public int Hour => Slot / DayShape.SlotsPerHour;
}

/// <summary>
/// The sessions of the day, slot by slot, decided up front from a seed (so a run can be repeated): each online
/// account ends its session with probability slot / mean session (one in five of those by dropping), then
/// accounts are logged out or in at random until exactly the target of the slot is online. An account never ends
/// and starts a session in the same slot.
/// </summary>
public static class DayPlan
{
    public static IReadOnlyList<SlotPlan> Build(DayShape shape, int seed)
    {
        var random = new Random(seed);
        var online = new List<int>();
        var offline = Enumerable.Range(0, shape.Accounts).ToList();
        var end = 1.0 / (DayShape.SlotsPerHour * QqDay2004.MeanSessionHours);
        var slots = new List<SlotPlan>(DayShape.Slots);
        for (var s = 0; s < DayShape.Slots; s++)
        {
            var target = shape.TargetOnline(s);
            var logOut = new List<int>();
            var drop = new List<int>();
            for (var i = online.Count - 1; i >= 0; i--)
            {
                if (random.NextDouble() >= end) continue;
                (random.NextDouble() < QqDay2004.DropShare ? drop : logOut).Add(online[i]);
                online.RemoveAt(i);
            }
            while (online.Count > target) logOut.Add(TakeAt(online, random.Next(online.Count)));
            var logIn = new List<int>();
            while (online.Count < target && offline.Count > 0)
            {
                var user = TakeAt(offline, random.Next(offline.Count));
                online.Add(user);
                logIn.Add(user);
            }
            // Those who left this slot may come back from the next one on.
            offline.AddRange(logOut);
            offline.AddRange(drop);
            slots.Add(new SlotPlan(s, target, [.. logIn], [.. logOut], [.. drop], shape.MessagesIn(s), shape.PresenceChangesIn(s), shape.GroupMessagesIn(s)));
        }
        return slots;
    }

    private static int TakeAt(List<int> list, int index)
    {
        var value = list[index];
        list[index] = list[^1];
        list.RemoveAt(list.Count - 1);
        return value;
    }
}
