using System.Globalization;
using Penguin.Testing;

namespace Penguin.Load.Tests;

public sealed class ChatScenarioTests : IAsyncLifetime
{
    private readonly string _data = Directory.CreateTempSubdirectory("penguin-load-test-").FullName;
    private TestServer _server = null!;

    public async ValueTask InitializeAsync()
    {
        // Two addresses, so the multi-node path can be driven against one process: each address stands for a node.
        _server = await TestServer.StartAsync(o => o.Messaging.SendsPerSecond = 100000, addresses: ["127.0.0.1", "127.0.0.3"]);
    }

    public async ValueTask DisposeAsync()
    {
        await _server.DisposeAsync();
        Directory.Delete(_data, recursive: true);
    }

    private string[] Common() => ["--server", _server.Url, "--server-pid", Environment.ProcessId.ToString(CultureInfo.InvariantCulture),
        "--sources", "8", "--out", Path.Combine(_data, "reports")];

    [Fact]
    public async Task Chat_ThreePairsForTwoSeconds_EveryAcknowledgedMessageReceived()
    {
        var options = LoadOptions.Parse(["chat", "--pairs", "3", "--duration", "2s", "--window", "4", .. Common()]);

        var outcome = await LoadRunner.RunAsync(options, TextWriter.Null, TextWriter.Null, CancellationToken.None);

        Assert.Equal(0, outcome.ExitCode);
        var report = outcome.Report!;
        Assert.Equal("passed", report.Verdict);
        double Figure(string name) => Assert.Single(report.Figures, f => f.Name == name).Value;
        Assert.Equal(3, Figure("pairs"));
        Assert.True(Figure("messages_acknowledged") > 0);
        Assert.Equal(Figure("messages_acknowledged"), Figure("messages_delivered"));
        Assert.Equal(0, Figure("acknowledged_never_arrived"));
        Assert.Equal(0, Figure("duplicates"));
        // Every recipient acknowledged what it received (one ack per 20 ms with news): none was refused as bad_json.
        Assert.Equal(0, Figure("server_errors_unanswered"));
        var deliver = Assert.Single(report.Operations, o => o.Name == "deliver");
        Assert.Equal(0, deliver.Failed);
        Assert.Equal(deliver.Planned, deliver.Succeeded);
        var send = Assert.Single(report.Operations, o => o.Name == "send");
        Assert.Equal(send.Attempted, send.Succeeded);
        Assert.True(File.Exists(outcome.Files!.Svg));
    }

    [Fact]
    public async Task Chat_WithWarmup_FiguresAreTheMeasuredPhaseAndTheWarmupIsAccounted()
    {
        var options = LoadOptions.Parse(["chat", "--pairs", "2", "--duration", "1s", "--warmup", "1s", "--window", "2", .. Common()]);

        var outcome = await LoadRunner.RunAsync(options, TextWriter.Null, TextWriter.Null, CancellationToken.None);

        Assert.Equal(0, outcome.ExitCode);
        var report = outcome.Report!;
        double Figure(string name) => Assert.Single(report.Figures, f => f.Name == name).Value;
        Assert.Equal(1, Figure("warmup_seconds"));
        Assert.True(Figure("warmup_messages_delivered") > 0);
        Assert.True(Figure("messages_acknowledged") > 0);
        Assert.Equal(Figure("messages_acknowledged"), Figure("messages_delivered"));
        Assert.True(Figure("acks_sent") > 0);
        Assert.Equal(0, Figure("acknowledged_never_arrived"));
        Assert.Equal(0, Figure("duplicates"));
        Assert.Equal(0, Figure("server_errors_unanswered"));
        // The measured operations hold only the measured phase's messages; the warm-up's are accounted beside them.
        var send = Assert.Single(report.Operations, o => o.Name == "send");
        var warmSend = Assert.Single(report.Operations, o => o.Name == "warmup:send");
        var deliver = Assert.Single(report.Operations, o => o.Name == "deliver");
        var warmDeliver = Assert.Single(report.Operations, o => o.Name == "warmup:deliver");
        Assert.Equal(Figure("messages_sent"), send.Attempted);
        Assert.Equal(Figure("messages_delivered"), deliver.Succeeded);
        Assert.Equal(Figure("warmup_messages_delivered"), warmDeliver.Succeeded);
        Assert.Equal(warmSend.Attempted, warmSend.Succeeded);
        Assert.Equal(warmDeliver.Planned, warmDeliver.Succeeded);
    }

    [Fact]
    public async Task Chat_TwoNodesAcross_EveryPairSpansBothAndEveryMessageArrives()
    {
        var options = LoadOptions.Parse(["chat", "--pairs", "4", "--duration", "2s", "--window", "2", .. Common(),
            "--servers", string.Join(',', _server.Urls), "--cross-node"]);

        var outcome = await LoadRunner.RunAsync(options, TextWriter.Null, TextWriter.Null, CancellationToken.None);

        Assert.Equal(0, outcome.ExitCode);
        var report = outcome.Report!;
        double Figure(string name) => Assert.Single(report.Figures, f => f.Name == name).Value;
        Assert.Equal(2, Figure("nodes"));
        Assert.Equal(4, Figure("pairs_across_nodes"));
        Assert.True(Figure("messages_acknowledged") > 0);
        Assert.Equal(Figure("messages_acknowledged"), Figure("messages_delivered"));
        Assert.DoesNotContain(report.Figures, f => f.Name == "node1_cpu_seconds"); // one process stands for both nodes
    }

    [Fact]
    public async Task Chat_PacedRate_SendsAboutTheRate()
    {
        var options = LoadOptions.Parse(["chat", "--pairs", "2", "--duration", "2s", "--rate", "10", .. Common()]);

        var outcome = await LoadRunner.RunAsync(options, TextWriter.Null, TextWriter.Null, CancellationToken.None);

        Assert.Equal(0, outcome.ExitCode);
        var sent = Assert.Single(outcome.Report!.Figures, f => f.Name == "messages_sent").Value;
        Assert.InRange(sent, 1, 2 * 10 * 2 + 2); // never more than the rate allows
    }

    [Fact]
    public async Task CatchUp_TwoHundredMissedMessages_AllArriveInOrderOnce()
    {
        var options = LoadOptions.Parse(["catchup", "--senders", "3", "--messages", "200", "--duration", "60s", .. Common()]);

        var outcome = await LoadRunner.RunAsync(options, TextWriter.Null, TextWriter.Null, CancellationToken.None);

        Assert.Equal(0, outcome.ExitCode);
        var report = outcome.Report!;
        double Figure(string name) => Assert.Single(report.Figures, f => f.Name == name).Value;
        Assert.Equal(200, Figure("messages_acknowledged"));
        Assert.Equal(200, Figure("messages_caught_up"));
        Assert.Equal(0, Figure("out_of_order"));
        Assert.Equal(0, Figure("duplicates"));
        Assert.Equal(200, Assert.Single(report.Operations, o => o.Name == "catch-up").Succeeded);
    }
}
