namespace Penguin.Load.Hosting;

/// <summary>
/// N penguin-server nodes on PostgreSQL + RabbitMQ for one run: a fresh database, node ids bench-0 … bench-N-1,
/// each on its own loopback port. The first node starts alone (it creates the schema), the others together.
/// At the end every node is killed by its PID and the database dropped.
/// </summary>
public sealed class SpawnedCluster : IAsyncDisposable
{
    private readonly SpawnedServer?[] _nodes;

    private SpawnedCluster(BenchDatabase database, int nodes)
    {
        Database = database;
        _nodes = new SpawnedServer?[nodes];
    }

    public BenchDatabase Database { get; }

    /// <summary>The nodes in index order (node i is bench-i).</summary>
    public IReadOnlyList<SpawnedServer> Nodes => [.. _nodes.OfType<SpawnedServer>()];

    /// <summary>The command-line settings that make node <paramref name="index"/> a cluster node.</summary>
    public static string[] NodeSettings(int index, string connectionString, string rabbitMqUri) =>
    [
        "--Penguin:Storage=postgres", $"--Penguin:Postgres:ConnectionString={connectionString}",
        "--Penguin:Bus=rabbitmq", $"--Penguin:RabbitMq:Uri={rabbitMqUri}",
        FormattableString.Invariant($"--Penguin:NodeId=bench-{index}"),
    ];

    public static async Task<SpawnedCluster> StartAsync(int nodes, string? serverDll, string postgresAdmin, string rabbitMqUri, bool fastPasswords, CancellationToken ct)
    {
        var cluster = new SpawnedCluster(await BenchDatabase.CreateAsync(postgresAdmin, ct), nodes);
        try
        {
            await StartNodeAsync(0);
            await Task.WhenAll(Enumerable.Range(1, nodes - 1).Select(StartNodeAsync));
            return cluster;
        }
        catch
        {
            await cluster.DisposeAsync();
            throw;
        }

        async Task StartNodeAsync(int i) => cluster._nodes[i] =
            await SpawnedServer.StartAsync(serverDll, null, fastPasswords, NodeSettings(i, cluster.Database.ConnectionString, rabbitMqUri), ct);
    }

    /// <summary>Kills node <paramref name="index"/> with SIGKILL mid-run; the others serve on.</summary>
    public void Kill(int index) => _nodes[index]?.Kill();

    public async ValueTask DisposeAsync()
    {
        foreach (var node in _nodes.OfType<SpawnedServer>()) await node.DisposeAsync();
        await Database.DisposeAsync();
    }
}
