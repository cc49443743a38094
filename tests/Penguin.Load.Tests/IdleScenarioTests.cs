using Penguin.Load.Scenarios;
using Penguin.Testing;

namespace Penguin.Load.Tests;

public sealed class IdleScenarioTests : IAsyncLifetime
{
    private readonly string _data = Directory.CreateTempSubdirectory("penguin-load-test-").FullName;
    private TestServer _server = null!;

    public async ValueTask InitializeAsync()
    {
        _server = await TestServer.StartAsync(o => o.Accounts.RegistrationsPerAddress = 100000);
    }

    public async ValueTask DisposeAsync()
    {
        await _server.DisposeAsync();
        Directory.Delete(_data, recursive: true);
    }

    [Fact]
    public async Task Idle_TwentyUsers_EveryDeviceAuthenticatesAndReportsAreWritten()
    {
        var output = Path.Combine(_data, "reports");
        var options = LoadOptions.Parse(["idle", "--server", _server.Url, "--users", "20", "--duration", "2s",
            "--ping-interval", "500ms", "--server-pid", Environment.ProcessId.ToString(System.Globalization.CultureInfo.InvariantCulture),
            "--sources", "8", "--out", output]);

        var outcome = await LoadRunner.RunAsync(options, TextWriter.Null, TextWriter.Null, CancellationToken.None);

        Assert.Equal(0, outcome.ExitCode);
        var report = outcome.Report!;
        var connect = Assert.Single(report.Operations, o => o.Name == "connect");
        Assert.Equal(20, connect.Attempted);
        Assert.Equal(20, connect.Succeeded);
        Assert.Equal(0, connect.Failed);
        var alive = Assert.Single(report.Operations, o => o.Name == "stay-connected");
        Assert.Equal(20, alive.Succeeded);
        Assert.Contains(report.Figures, f => f.Name == "kib_per_connection");
        Assert.Contains(report.Figures, f => f.Name == "kib_per_connection_marginal"); // the slope of memory against connections over the connect steps
        Assert.True(File.Exists(outcome.Files!.Markdown));
        Assert.True(File.Exists(outcome.Files.Json));
        Assert.True(File.Exists(outcome.Files.Svg));
    }
}
