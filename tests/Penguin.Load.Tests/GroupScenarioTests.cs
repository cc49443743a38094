using System.Globalization;
using Penguin.Testing;

namespace Penguin.Load.Tests;

public sealed class GroupScenarioTests : IAsyncLifetime
{
    private readonly string _data = Directory.CreateTempSubdirectory("penguin-load-test-").FullName;
    private TestServer _server = null!;

    public async ValueTask InitializeAsync() => _server = await TestServer.StartAsync(o => o.Groups.SendsPerSecond = 100000);

    public async ValueTask DisposeAsync()
    {
        await _server.DisposeAsync();
        Directory.Delete(_data, recursive: true);
    }

    [Fact]
    public async Task Group_SixMembersTwoSending_EveryAcknowledgedMessageReachesEveryOtherMemberOnce()
    {
        var options = LoadOptions.Parse(["group", "--members", "6", "--senders", "2", "--duration", "2s", "--window", "4",
            "--server", _server.Url, "--server-pid", Environment.ProcessId.ToString(CultureInfo.InvariantCulture),
            "--sources", "8", "--out", Path.Combine(_data, "reports")]);

        var outcome = await LoadRunner.RunAsync(options, TextWriter.Null, TextWriter.Null, CancellationToken.None);

        Assert.Equal(0, outcome.ExitCode);
        var report = outcome.Report!;
        Assert.Equal("passed", report.Verdict);
        double Figure(string name) => Assert.Single(report.Figures, f => f.Name == name).Value;
        Assert.Equal(6, Figure("members_online"));
        Assert.Equal(2, Figure("senders"));
        Assert.True(Figure("messages_acknowledged") > 0);
        Assert.Equal(Figure("messages_acknowledged") * 5, Figure("deliveries"));
        Assert.Equal(Figure("deliveries_owed"), Figure("deliveries"));
        Assert.Equal(0, Figure("deliveries_lost"));
        Assert.Equal(0, Figure("deliveries_duplicated"));
        var deliver = Assert.Single(report.Operations, o => o.Name == "deliver");
        Assert.Equal(deliver.Planned, deliver.Succeeded);
    }

    [Fact]
    public void Members_SetTheUsers_ForTheGroupScenario()
    {
        var options = LoadOptions.Parse(["group", "--members", "500", "--senders", "10"]);
        Assert.Equal((500, 500, 10), (options.Members, options.Users, options.Senders));
        Assert.Throws<ArgumentException>(() => LoadOptions.Parse(["group", "--members", "1"]));
    }
}
