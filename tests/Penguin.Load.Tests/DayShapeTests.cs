using Penguin.Load.Measurement;
using Penguin.Load.Scenarios;

namespace Penguin.Load.Tests;

public class DayShapeTests
{
    [Fact]
    public void Model_Qq2004Figures_ElevenPointSixMessagesPerAccountAndPeakAboutOnePointSevenTimesAverage()
    {
        Assert.Equal(73_200_000, QqDay2004.ActiveAccounts);
        Assert.Equal(11.596, QqDay2004.MessagesPerAccountPerDay, 3);
        Assert.Equal(1 / (13.81 / 24), QqDay2004.PeakToAverage, 6);
        Assert.Equal(1.0, QqDay2004.OnlineByHour.Max());
        Assert.Equal(21, QqDay2004.OnlineByHour.ToList().IndexOf(1.0));
        Assert.Equal(0.25, QqDay2004.GroupShare);
    }

    [Theory]
    [InlineData(21.5, 1.00)]
    [InlineData(5.5, 0.12)]
    [InlineData(22.0, 0.96)] // halfway between 21:00–22:00 (1.00) and 22:00–23:00 (0.92)
    [InlineData(0.0, 0.65)]  // halfway between 23:00 (0.75) and 00:00 (0.55): the curve wraps
    [InlineData(24.5, 0.55)]
    public void OnlineShare_LinearBetweenHourMidpoints(double hour, double expected)
    {
        Assert.Equal(expected, DayShape.OnlineShare(hour), 9);
    }

    [Fact]
    public void Shape_TenThousandAccountsInFiveMinutes_ScaledFromThe2004Figures()
    {
        var shape = new DayShape(10_000, TimeSpan.FromMinutes(5));

        Assert.Equal(833, shape.PeakOnline);                  // 10,000 / 12
        Assert.Equal(115_956, shape.TotalMessages);           // 10,000 × 848.8 M / 73.2 M
        Assert.Equal(28_989, shape.GroupMessages);            // a quarter of them to groups
        Assert.Equal(288, shape.Compression, 9);              // 86,400 s in 300 s
        Assert.Equal(TimeSpan.FromSeconds(12.5), shape.Hour);
        Assert.Equal(86_967, Enumerable.Range(0, DayShape.Slots).Sum(shape.MessagesIn));
        Assert.Equal(86_967, Enumerable.Range(0, 24).Sum(shape.MessagesInHour));
        Assert.Equal(28_989, Enumerable.Range(0, DayShape.Slots).Sum(shape.GroupMessagesIn));
        Assert.Equal(86_967 / 300.0, shape.AverageMessagesPerSecond, 9);
        Assert.InRange(shape.MessagePeakToAverage, QqDay2004.PeakToAverage * 0.97, QqDay2004.PeakToAverage * 1.03);
        Assert.InRange(Enumerable.Range(0, DayShape.Slots).Max(shape.TargetOnline), 0.98 * 833, 833); // quarter hours sample the curve just below its peak
    }

    [Fact]
    public void Shape_PerHourCounts_FollowTheCurve()
    {
        var shape = new DayShape(3_000, TimeSpan.FromMinutes(3));
        var hours = Enumerable.Range(0, 24).Select(shape.MessagesInHour).ToArray();

        Assert.Equal(21, Array.IndexOf(hours, hours.Max()));
        Assert.Equal(5, Array.IndexOf(hours, hours.Min()));
        // Each hour's share of the day is its share of the curve (sampled at quarter hours), within rounding.
        for (var h = 0; h < 24; h++)
        {
            var weight = Enumerable.Range(h * 4, 4).Sum(s => DayShape.OnlineShare((s + 0.5) / 4));
            var all = Enumerable.Range(0, DayShape.Slots).Sum(s => DayShape.OnlineShare((s + 0.5) / 4));
            var oneToOne = shape.TotalMessages - shape.GroupMessages;
            Assert.InRange(hours[h], oneToOne * weight / all - 4, oneToOne * weight / all + 4);
        }
        // Presence changes: half an hour's worth per online account every 2 hours, in proportion to who is online.
        var presence = Enumerable.Range(0, DayShape.Slots).Sum(shape.PresenceChangesIn);
        Assert.Equal(Math.Round(Enumerable.Range(0, DayShape.Slots).Sum(s => shape.TargetOnline(s) * 0.5 / 4)), presence);
    }

    [Fact]
    public void Apportion_PartsSumExactlyAndFollowWeights()
    {
        var parts = DayShape.Apportion([1, 1, 1], 10);

        Assert.Equal(10, parts.Sum());
        Assert.Equal([4, 3, 3], parts);
        Assert.Equal([0, 0], DayShape.Apportion([0, 0], 5));
        Assert.Equal([0, 7, 0], DayShape.Apportion([0, 2, 0], 7));
    }

    [Theory]
    [InlineData(2)]
    [InlineData(60)]
    [InlineData(1_000)]
    public void Plan_EverySlot_ExactlyTheTargetOnlineAndNoSessionTwice(int accounts)
    {
        var shape = new DayShape(accounts, TimeSpan.FromMinutes(1));
        var plan = DayPlan.Build(shape, seed: 7);
        var online = new HashSet<int>();

        Assert.Equal(DayShape.Slots, plan.Count);
        foreach (var slot in plan)
        {
            foreach (var u in slot.LogOut.Concat(slot.Drop)) Assert.True(online.Remove(u), $"slot {slot.Slot}: {u} ends a session it does not have");
            foreach (var u in slot.LogIn) Assert.True(online.Add(u), $"slot {slot.Slot}: {u} logs in twice");
            Assert.Empty(slot.LogIn.Intersect(slot.LogOut.Concat(slot.Drop)));
            Assert.Equal(shape.TargetOnline(slot.Slot), online.Count);
            Assert.Equal(shape.MessagesIn(slot.Slot), slot.Messages);
            Assert.Equal(shape.GroupMessagesIn(slot.Slot), slot.GroupMessages);
        }
    }

    [Theory]
    [InlineData(1, 0)]
    [InlineData(2, 1)]
    [InlineData(7, 1)]
    [InlineData(60, 7)]     // 7 groups of 8, the last taking 4 more: 12
    [InlineData(1_000, 125)]
    public void Groups_ConsecutiveAccountsInGroupsOfEight_EveryAccountInExactlyOne(int accounts, int groups)
    {
        var shape = new DayShape(accounts, TimeSpan.FromMinutes(1));

        Assert.Equal(groups, shape.Groups);
        var members = Enumerable.Range(0, groups).Select(shape.MembersOf).ToArray();
        Assert.All(members, m => Assert.InRange(m.Count, 2, 2 * QqDay2004.GroupSize - 1));
        Assert.Equal(groups == 0 ? [] : Enumerable.Range(0, accounts), members.SelectMany(m => m));
        for (var g = 0; g < groups; g++)
            Assert.All(members[g], a => Assert.Equal(g, shape.GroupOf(a)));
        if (groups == 0) Assert.Equal(0, shape.GroupMessages);
        else Assert.Equal(Math.Round(shape.TotalMessages * QqDay2004.GroupShare, MidpointRounding.AwayFromZero), shape.GroupMessages);
    }

    [Fact]
    public void Plan_SameSeed_SameDay_AndSessionsChurn()
    {
        var shape = new DayShape(1_000, TimeSpan.FromMinutes(3));

        var a = DayPlan.Build(shape, seed: 2004);
        var b = DayPlan.Build(shape, seed: 2004);

        Assert.Equal(a.Select(s => string.Join(',', s.LogIn)), b.Select(s => string.Join(',', s.LogIn)));
        // Sessions end at about slot / mean session (a quarter of the online accounts per slot), one in five by dropping.
        var ended = a.Sum(s => s.LogOut.Length + s.Drop.Length);
        var drops = a.Sum(s => s.Drop.Length);
        Assert.InRange(drops, ended * 0.1, ended * 0.3);
        var onlineSlots = a.Sum(s => s.Target);
        Assert.InRange(ended, onlineSlots * 0.2, onlineSlots * 0.35);
        // More logins in the evening hour than at 05:00.
        Assert.True(a.Where(s => s.Hour == 20).Sum(s => s.LogIn.Length) > a.Where(s => s.Hour == 5).Sum(s => s.LogIn.Length));
    }

    [Fact]
    public void Ring_FourFriendsEach_StreamsNameSenderAndRecipient()
    {
        var ring = FriendGraph.Ring(10, 4);
        var graph = FriendGraph.Of(10, ring);

        Assert.Equal(20, ring.Count);
        Assert.All(Enumerable.Range(0, 10), u => Assert.Equal(4, graph.FriendsOf(u).Count));
        Assert.Equal(40, graph.Streams);
        for (var u = 0; u < 10; u++)
            for (var f = 0; f < 4; f++)
                Assert.Equal((u, graph.FriendsOf(u)[f]), graph.Stream(graph.StreamOf(u, f)));
        Assert.Equal(3, FriendGraph.Ring(3, 4).Count);   // a triangle: every pair once
        Assert.Single(FriendGraph.Ring(2, 4));
        Assert.Equal(2, FriendGraph.Of(10, ring.Skip(2)).FriendsOf(0).Count); // friendships that failed are left out
    }

    [Fact]
    public void PhaseBuckets_CountsBeforeStartAndAfterFinish_GoToFirstAndLastPhase()
    {
        var phases = new PhaseBuckets(["a", "b", "after"], TimeSpan.FromHours(1));

        phases.Count(PhaseCounter.Login);
        phases.Start(10, 1000);
        phases.Count(PhaseCounter.Login);
        phases.Delivered(5);
        phases.Count(1, PhaseCounter.MessagePlanned, 7);
        phases.Finish(12, 2000);
        phases.Count(PhaseCounter.Login, 3);
        phases.End(13, 3000);

        var report = phases.Report();
        Assert.Equal([2, 0, 3], report.Select(p => p.Logins));
        Assert.Equal([0, 7, 0], report.Select(p => p.MessagesPlanned));
        Assert.Equal(1, report[0].Delivered);
        Assert.Equal(5, report[0].DeliveryLatencyMs.Max);
        Assert.Equal(5, phases.Total(PhaseCounter.Login));
        Assert.Equal(3000, report[2].ServerRssKiB);
    }

    [Fact]
    public void Linear_CoresBusyAgainstMessagesPerSecond_SlopeIsCpuPerMessage()
    {
        // 0.02 cores with no traffic, 2.5 ms of CPU per message.
        var fit = PhaseFit.Linear([(0, 0.02), (10, 0.045), (40, 0.12), (80, 0.22)]);

        Assert.NotNull(fit);
        Assert.Equal(0.0025, fit.Value.Slope, 9);
        Assert.Equal(0.02, fit.Value.Intercept, 9);
        Assert.Null(PhaseFit.Linear([(1, 1), (1, 2), (1, 3)]));
        Assert.Null(PhaseFit.Linear([(1, 1), (2, 2)]));
    }
}
