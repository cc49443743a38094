using System.Globalization;
using Penguin.Testing;

namespace Penguin.Load.Tests;

public sealed class DayScenarioTests : IAsyncLifetime
{
    private readonly string _data = Directory.CreateTempSubdirectory("penguin-load-test-").FullName;
    private TestServer _server = null!;

    public async ValueTask InitializeAsync()
    {
        _server = await TestServer.StartAsync(o =>
        {
            o.Messaging.SendsPerSecond = 100000;
            o.Groups.SendsPerSecond = 100000;
        });
    }

    public async ValueTask DisposeAsync()
    {
        await _server.DisposeAsync();
        Directory.Delete(_data, recursive: true);
    }

    [Fact]
    public async Task Day_SixtyAccountsInTwelveSeconds_EveryAcknowledgedMessageArrivesLiveOrAfterLogin()
    {
        var options = LoadOptions.Parse(["day", "--server", _server.Url, "--users", "60", "--duration", "12s", "--ping-interval", "1s",
            "--server-pid", Environment.ProcessId.ToString(CultureInfo.InvariantCulture), "--sources", "8", "--out", Path.Combine(_data, "reports")]);

        var outcome = await LoadRunner.RunAsync(options, TextWriter.Null, TextWriter.Null, CancellationToken.None);

        Assert.Equal(0, outcome.ExitCode);
        var report = outcome.Report!;
        Assert.Equal("passed", report.Verdict);
        double Figure(string name) => Assert.Single(report.Figures, f => f.Name == name).Value;
        Assert.Equal(60, Figure("accounts"));
        Assert.Equal(120, Figure("friendships"));
        Assert.Equal(696, Figure("planned_messages"));   // 60 × 11.6
        Assert.Equal(174, Figure("planned_group_messages")); // a quarter
        var planned1to1 = Figure("planned_messages") - Figure("planned_group_messages");
        Assert.Equal(5, Figure("planned_peak_online"));
        // Every message is accounted: sent = acknowledged + rejected, and each acknowledged one arrived exactly once,
        // either live or when its recipient logged in again.
        Assert.True(Figure("messages_acknowledged") > 0);
        Assert.Equal(Figure("messages_sent"), Figure("messages_acknowledged") + Figure("messages_rejected"));
        Assert.Equal(Figure("messages_sent") + Figure("messages_not_sent_nobody_online"), planned1to1);
        Assert.Equal(Figure("messages_acknowledged"), Figure("messages_delivered"));
        Assert.Equal(Figure("messages_delivered"), Figure("delivered_live") + Figure("delivered_after_login") + Figure("delivered_after_day") + Figure("recovered_by_sync"));
        Assert.True(Figure("delivered_after_login") + Figure("delivered_after_day") > 0, "some messages waited for an offline friend");
        Assert.Equal(0, Figure("acknowledged_never_arrived"));
        Assert.Equal(0, Figure("duplicates"));
        // Group messages, per delivery: 7 groups (six of 8, one of 12); each acknowledged message is owed to every
        // other member once, live or caught up over REST at a login or after the day.
        Assert.Equal(7, Figure("groups"));
        Assert.Equal(Figure("planned_group_messages"), Figure("group_messages_sent") + Figure("group_messages_not_sent_nobody_online"));
        Assert.Equal(Figure("group_messages_sent"), Figure("group_messages_acknowledged") + Figure("group_messages_rejected"));
        Assert.True(Figure("group_messages_acknowledged") > 0);
        Assert.InRange(Figure("group_deliveries_owed"), 7 * Figure("group_messages_acknowledged"), 11 * Figure("group_messages_acknowledged"));
        Assert.Equal(Figure("group_deliveries_owed"), Figure("group_deliveries"));
        Assert.Equal(Figure("group_deliveries"), Figure("group_delivered_live") + Figure("group_delivered_after_login") + Figure("group_delivered_after_day"));
        Assert.True(Figure("group_delivered_live") > 0, "members online at the time got group messages live");
        Assert.True(Figure("group_delivered_after_login") + Figure("group_delivered_after_day") > 0, "offline members caught up");
        Assert.Equal(0, Figure("group_deliveries_missing"));
        Assert.Equal(0, Figure("group_duplicates"));
        Assert.True(Figure("logins") > Figure("planned_peak_online"), "accounts logged in and out during the day");
        Assert.True(Figure("logouts") + Figure("drops") > 0);

        var phases = report.Phases!;
        Assert.Equal(25, phases.Length);
        Assert.Equal("21:00", phases[21].Name);
        Assert.Equal(planned1to1, phases.Sum(p => p.MessagesPlanned));
        Assert.Equal(Figure("messages_sent"), phases.Sum(p => p.MessagesSent));
        Assert.Equal(Figure("logins"), phases.Take(24).Sum(p => p.Logins));
        Assert.Equal(Figure("logins_after_day"), phases[24].Logins);
        Assert.Equal(Figure("delivered_after_login") + Figure("delivered_after_day"), phases.Sum(p => p.DeliveredAfterLogin));
        Assert.Equal(0, phases.Sum(p => p.Errors));
        Assert.True(phases[21].MessagesPlanned > phases[5].MessagesPlanned);
        Assert.Contains(report.Notes, n => n.Contains("group chat", StringComparison.Ordinal));
        Assert.Contains(report.Series, p => p.Online > 0);
        Assert.Contains("## Phases", File.ReadAllText(outcome.Files!.Markdown), StringComparison.Ordinal);
    }
}
