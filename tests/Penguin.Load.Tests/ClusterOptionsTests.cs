using Penguin.Load.Hosting;
using Penguin.Load.Measurement;
using Penguin.Load.Scenarios;

namespace Penguin.Load.Tests;

public class ClusterOptionsTests
{
    private const string Postgres = "Host=127.0.0.1;Username=penguin;Password=penguin;Database=penguin_test";
    private const string RabbitMq = "amqp://guest:guest@127.0.0.1:5672/";

    [Fact]
    public void Parse_Servers_CommaSeparatedLoopbackNodesInOrder()
    {
        var o = LoadOptions.Parse(["chat", "--servers", "http://127.0.0.1:5181, http://localhost:5182,http://127.0.0.1:5183", "--cross-node"]);

        Assert.Equal([5181, 5182, 5183], o.Servers.Select(s => s.Port));
        Assert.All(o.Servers, s => Assert.Equal("127.0.0.1", s.Host));
        Assert.Equal(o.Servers[0], o.Server);
        Assert.Equal(3, o.NodeCount);
        Assert.True(o.CrossNode);
    }

    [Fact]
    public void Parse_SpawnCluster_TakesServicesAndSamplesThem()
    {
        var o = LoadOptions.Parse(["chat", "--spawn-cluster", "3", "--postgres", Postgres, "--rabbitmq", RabbitMq, "--fast-passwords", "--cross-node"]);

        Assert.Equal(3, o.SpawnCluster);
        Assert.Equal(3, o.NodeCount);
        Assert.Equal(Postgres, o.Postgres);
        Assert.Equal(RabbitMq, o.RabbitMq);
        Assert.True(o.SampleServices);
    }

    [Theory]
    [InlineData("--servers", "http://127.0.0.1:5181,http://10.0.0.2:5182")]
    [InlineData("--servers", "http://127.0.0.1:5181,http://localhost:5181")]
    [InlineData("--servers", ",")]
    [InlineData("--spawn-cluster", "17")]
    [InlineData("--spawn-cluster", "0")]
    public void Parse_BadNodes_Refused(string name, string value)
    {
        Assert.Throws<ArgumentException>(() => LoadOptions.Parse(["chat", name, value]));
    }

    [Fact]
    public void Parse_InconsistentClusterOptions_Refused()
    {
        Assert.Throws<ArgumentException>(() => LoadOptions.Parse(["chat", "--cross-node"]));
        Assert.Throws<ArgumentException>(() => LoadOptions.Parse(["chat", "--spawn-cluster", "1", "--cross-node", "--postgres", Postgres, "--rabbitmq", RabbitMq]));
        Assert.Throws<ArgumentException>(() => LoadOptions.Parse(["chat", "--spawn-cluster", "3", "--rabbitmq", RabbitMq]));
        Assert.Throws<ArgumentException>(() => LoadOptions.Parse(["chat", "--spawn-cluster", "3", "--spawn-server", "--postgres", Postgres, "--rabbitmq", RabbitMq]));
        Assert.Throws<ArgumentException>(() => LoadOptions.Parse(["chat", "--spawn-cluster", "3", "--postgres", Postgres, "--rabbitmq", "amqp://guest:guest@mq.example.com/"]));
    }

    [Fact]
    public void Parse_KillNodeAfter_OnlyForChatOnASpawnedClusterOfTwoOrMore()
    {
        Assert.Equal(TimeSpan.FromSeconds(5), LoadOptions.Parse(["chat", "--spawn-cluster", "2", "--postgres", Postgres, "--rabbitmq", RabbitMq,
            "--kill-node-after", "5s"]).KillNodeAfter);
        Assert.Throws<ArgumentException>(() => LoadOptions.Parse(["chat", "--spawn-cluster", "1", "--postgres", Postgres, "--rabbitmq", RabbitMq, "--kill-node-after", "5s"]));
        Assert.Throws<ArgumentException>(() => LoadOptions.Parse(["group", "--spawn-cluster", "2", "--postgres", Postgres, "--rabbitmq", RabbitMq, "--kill-node-after", "5s"]));
        Assert.Throws<ArgumentException>(() => LoadOptions.Parse(["chat", "--servers", "http://127.0.0.1:5181,http://127.0.0.1:5182", "--kill-node-after", "5s"]));
        Assert.Throws<ArgumentException>(() => LoadOptions.Parse(["chat", "--spawn-cluster", "2", "--postgres", Postgres, "--rabbitmq", RabbitMq, "--kill-node-after", "-1"]));
    }

    [Fact]
    public void ForPairSide_SameNode_BothSidesOnPairModN()
    {
        for (var pair = 0; pair < 9; pair++)
        {
            Assert.Equal(pair % 3, NodePlacement.ForPairSide(pair, recipient: false, 3, crossNode: false));
            Assert.Equal(pair % 3, NodePlacement.ForPairSide(pair, recipient: true, 3, crossNode: false));
        }
    }

    [Fact]
    public void ForPairSide_CrossNode_SidesDifferAndEveryNodeCarriesAsManySendersAsRecipients()
    {
        var senders = new int[3];
        var recipients = new int[3];
        for (var pair = 0; pair < 300; pair++)
        {
            var from = NodePlacement.ForPairSide(pair, recipient: false, 3, crossNode: true);
            var to = NodePlacement.ForPairSide(pair, recipient: true, 3, crossNode: true);
            Assert.NotEqual(from, to);
            senders[from]++;
            recipients[to]++;
        }
        Assert.All(senders, n => Assert.Equal(100, n));
        Assert.All(recipients, n => Assert.Equal(100, n));
    }

    [Fact]
    public void ForPairSide_OneNode_AlwaysNodeZero()
    {
        Assert.Equal(0, NodePlacement.ForPairSide(7, recipient: true, 1, crossNode: true));
        Assert.Equal(0, NodePlacement.RoundRobin(7, 1));
        Assert.Equal(1, NodePlacement.RoundRobin(7, 3));
    }

    [Fact]
    public void BenchDatabase_NameIsAPlainUniqueIdentifierAndTheConnectionPointsAtIt()
    {
        var name = BenchDatabase.NameFor(new DateTimeOffset(2026, 3, 4, 5, 6, 7, TimeSpan.FromHours(8)), [0xa1, 0xb2, 0xc3]);

        Assert.Equal("penguin_load_20260303_210607_a1b2c3", name);
        var connection = BenchDatabase.ConnectionStringFor(Postgres, name);
        Assert.Contains("Database=" + name, connection, StringComparison.Ordinal);
        Assert.Contains("Username=penguin", connection, StringComparison.Ordinal);
    }

    [Fact]
    public void NodeSettings_PostgresRabbitMqAndADistinctNodeId()
    {
        var settings = SpawnedCluster.NodeSettings(2, "Host=127.0.0.1;Database=x", RabbitMq);

        Assert.Contains("--Penguin:Storage=postgres", settings);
        Assert.Contains("--Penguin:Postgres:ConnectionString=Host=127.0.0.1;Database=x", settings);
        Assert.Contains("--Penguin:Bus=rabbitmq", settings);
        Assert.Contains("--Penguin:RabbitMq:Uri=" + RabbitMq, settings);
        Assert.Contains("--Penguin:NodeId=bench-2", settings);
    }
}

public class ClusterAccountingTests
{
    [Fact]
    public void Sum_AddsCpuMemoryAndThreads()
    {
        var sum = ProcessSample.Sum([new ProcessSample(100, 1000, 1500, 10), new ProcessSample(250, 2000, 2100, 20)]);

        Assert.Equal(new ProcessSample(350, 3000, 3600, 30), sum);
        Assert.Equal(3.5, sum.CpuSeconds);
    }

    [Fact]
    public void ParseCpuTicks_WithReapedChildren_AddsCutimeAndCstime()
    {
        const string stat = "17827 (postgres) S 1 17827 17827 0 -1 4194560 5000 90000 0 3 120 45 700 300 20 0 1 0 100 200000000 5000 18446744073709551615 1 1 0 0 0 0 0 0 0 0 0 0 17 0 0 0 0 0 0\n";

        Assert.Equal(120 + 45, ProcFiles.ParseCpuTicks(stat));
        Assert.Equal(120 + 45 + 700 + 300, ProcFiles.ParseCpuTicks(stat, withReapedChildren: true));
        Assert.Equal("postgres", ProcFiles.ParseCommand(stat));
        Assert.Equal("beam.smp", ProcFiles.ParseCommand("8838 (beam.smp) S 1 2 3"));
        Assert.Equal("penguin (srv) x", ProcFiles.ParseCommand("4242 (penguin (srv) x) S 1"));
    }

    [Theory]
    [InlineData("postgres: penguin penguin_load_x 127.0.0.1(43210) idle\0\0\0", true)]
    [InlineData("postgres: 15/main: penguin penguin_load_x 127.0.0.1(43210) idle\0", true)]
    [InlineData("postgres: penguin penguin_test 127.0.0.1(43210) idle", false)]
    [InlineData("postgres: 15/main: penguin penguin_test 127.0.0.1(43210) idle", false)]
    [InlineData("postgres: 15/main: walwriter ", false)]
    [InlineData("/usr/lib/postgresql/15/bin/postgres\0-D\0/var/lib/postgresql/15/main\0", false)]
    public void IsBackendOf_OnlyBackendsOfTheRunsDatabase(string cmdline, bool expected)
    {
        Assert.Equal(expected, ServiceProcesses.IsBackendOf(cmdline, "penguin_load_x"));
    }

    [Fact]
    public void PerNode_DifferencesOfNodesPresentInBothReadings()
    {
        var cpu = ChatCost.PerNode([1.0, 2.0, null], [4.0, 2.5, 9.0]).ToArray();

        Assert.Equal([(0, 3.0), (1, 0.5)], cpu);
    }

    [Fact]
    public void Services_PerMessageAndCoresBusy()
    {
        var figures = ChatCost.Services(new ServiceCpu(10, 1, 5), new ServiceCpu(13, 3, 6), nodesCpuSeconds: 4, delivered: 10_000, seconds: 2)
            .ToDictionary(f => f.Name, f => f.Value);

        Assert.Equal(3, figures["postgres_cpu_seconds"], 9);
        Assert.Equal(300, figures["postgres_cpu_us_per_message"], 9);
        Assert.Equal(200, figures["postgres_run_backends_cpu_us_per_message"], 9);
        Assert.Equal(1.5, figures["postgres_cores_busy"], 9);
        Assert.Equal(100, figures["rabbitmq_cpu_us_per_message"], 9);
        Assert.Equal(0.5, figures["rabbitmq_cores_busy"], 9);
        Assert.Equal(800, figures["total_cpu_us_per_message"], 9);
        Assert.DoesNotContain("total_cpu_us_per_message", ChatCost.Services(new ServiceCpu(0, 0, 0), new ServiceCpu(1, 1, 1), null, 1, 1).Select(f => f.Name));
    }
}
