using System.Globalization;
using Microsoft.Extensions.DependencyInjection;
using Penguin.Core.Wallet;
using Penguin.Testing;

namespace Penguin.Load.Tests;

/// <summary>The transfers and redpackets scenarios against a real server with test deposits on: they pass, and their figures add up.</summary>
public sealed class WalletScenarioTests : IAsyncLifetime
{
    private readonly string _data = Directory.CreateTempSubdirectory("penguin-load-test-").FullName;
    private TestServer _server = null!;

    public async ValueTask InitializeAsync() => _server = await TestServer.StartAsync(o => o.Wallet.TestDeposits = true);

    public async ValueTask DisposeAsync()
    {
        await _server.DisposeAsync();
        Directory.Delete(_data, recursive: true);
    }

    private string[] Common => ["--server", _server.Url, "--server-pid", Environment.ProcessId.ToString(CultureInfo.InvariantCulture),
        "--sources", "8", "--out", Path.Combine(_data, "reports")];

    [Fact]
    public async Task Transfers_AmongSixAccounts_EveryTransferAccountedAndTheMoneyAddsUp()
    {
        var options = LoadOptions.Parse(["transfers", "--users", "6", "--duration", "2s", "--concurrency", "4", .. Common]);

        var outcome = await LoadRunner.RunAsync(options, TextWriter.Null, TextWriter.Null, CancellationToken.None);

        Assert.Equal(0, outcome.ExitCode);
        var report = outcome.Report!;
        Assert.Equal("passed", report.Verdict);
        double Figure(string name) => Assert.Single(report.Figures, f => f.Name == name).Value;
        Assert.True(Figure("transfers") > 0);
        Assert.True(Figure("transfers_per_second") > 0);
        Assert.Contains(report.Figures, f => f.Name == "server_cpu_ms_per_transfer");
        var transfer = Assert.Single(report.Operations, o => o.Name == "transfer");
        Assert.Equal(transfer.Planned, transfer.Succeeded);
        var accept = Assert.Single(report.Operations, o => o.Name == "accept");
        Assert.Equal(accept.Attempted, accept.Succeeded);
        Assert.True((await _server.Services.GetRequiredService<WalletService>().AuditAsync()).IsClean);
    }

    [Fact]
    public async Task RedPackets_TwelveMembers_EveryRoundClaimsEveryShareExactly()
    {
        var options = LoadOptions.Parse(["redpackets", "--members", "12", "--duration", "2s", "--concurrency", "6", .. Common]);

        var outcome = await LoadRunner.RunAsync(options, TextWriter.Null, TextWriter.Null, CancellationToken.None);

        Assert.Equal(0, outcome.ExitCode);
        var report = outcome.Report!;
        Assert.Equal("passed", report.Verdict);
        double Figure(string name) => Assert.Single(report.Figures, f => f.Name == name).Value;
        Assert.Equal(12, Figure("members"));
        Assert.True(Figure("rounds") >= 1);
        Assert.Equal(Figure("rounds") * 12, Figure("claims"));
        Assert.Equal(Figure("rounds") * 12 * 100, Figure("fen_claimed"));
        Assert.Contains(report.Figures, f => f.Name == "server_cpu_ms_per_claim");
        Assert.True((await _server.Services.GetRequiredService<WalletService>().AuditAsync()).IsClean);
    }

    [Fact]
    public void RedPackets_DefaultTo2000Members()
    {
        Assert.Equal((2000, 2000), (LoadOptions.Parse(["redpackets"]).Members, LoadOptions.Parse(["redpackets"]).Users));
        Assert.Equal(50, LoadOptions.Parse(["redpackets", "--members", "50"]).Users);
        Assert.NotNull(Scenarios.ScenarioCatalog.Find("transfers"));
    }
}
