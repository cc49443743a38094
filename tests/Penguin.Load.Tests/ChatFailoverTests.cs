using Penguin.Testing;

namespace Penguin.Load.Tests;

/// <summary>
/// <c>chat --spawn-cluster 2 --kill-node-after</c> against the real PostgreSQL and RabbitMQ: a node SIGKILLed mid-run, its
/// devices carry on through the other node, and the run's own accounting finds no acknowledged message lost.
/// </summary>
public sealed class ChatFailoverTests : IDisposable
{
    private readonly string _out = Directory.CreateTempSubdirectory("penguin-load-failover-").FullName;

    public void Dispose() => Directory.Delete(_out, recursive: true);

    [ClusterFact]
    public async Task Chat_NodeKilledMidRun_DevicesReconnectThroughTheOtherAndNothingAcknowledgedIsLost()
    {
        // Across nodes: every pair has one side on the node that is killed.
        var options = LoadOptions.Parse(["chat", "--spawn-cluster", "2", "--cross-node", "--postgres", TestServices.Postgres!,
            "--rabbitmq", TestServices.RabbitMq!.ToString(), "--fast-passwords", "--pairs", "6", "--window", "2", "--duration", "8s",
            "--kill-node-after", "3s", "--sources", "8", "--out", _out]);

        var outcome = await LoadRunner.RunAsync(options, TextWriter.Null, TextWriter.Null, CancellationToken.None);

        var report = outcome.Report!;
        Assert.True(outcome.ExitCode == 0, string.Join("; ", report.Failures));
        double Figure(string name) => Assert.Single(report.Figures, f => f.Name == name).Value;
        Assert.Equal(1, Figure("node_killed"));
        Assert.Equal(6, Figure("devices_reconnected"));
        Assert.True(Figure("acknowledged_before_kill") > 0);
        // The senders that lost their node sent on through the other: messages were acknowledged after the kill too.
        Assert.True(Figure("acknowledged_after_kill") > 0);
        Assert.Equal(0, Figure("acknowledged_never_arrived"));
        Assert.Equal(0, Figure("duplicates"));
        Assert.Equal(Figure("messages_acknowledged"), Figure("messages_delivered") - Figure("received_unacknowledged"));
    }
}
