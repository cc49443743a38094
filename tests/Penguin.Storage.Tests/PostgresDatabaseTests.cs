using Npgsql;
using Penguin.Storage.Postgres;
using Penguin.Storage.Tests.Engines;

namespace Penguin.Storage.Tests;

/// <summary>What only the PostgreSQL engine has to get right: several nodes sharing one database.</summary>
public sealed class PostgresDatabaseTests(PostgresEngine engine) : IClassFixture<PostgresEngine>
{
    [PostgresFact]
    public async Task Open_SeveralNodesStartAtOnce_MigrateExactlyOnce()
    {
        var connectionString = await engine.CreateDatabaseAsync();

        var nodes = await Task.WhenAll(Enumerable.Range(0, 4).Select(_ => Task.Run(() => new PostgresDatabase(connectionString))));
        try
        {
            var latest = nodes.Max(n => n.SchemaVersion);
            Assert.True(latest >= 1);
            Assert.All(nodes, n => Assert.Equal(latest, n.SchemaVersion));
            await using var connection = new NpgsqlConnection(connectionString);
            await connection.OpenAsync();
            await using var cmd = new NpgsqlCommand("SELECT COUNT(*) = COUNT(DISTINCT version) AND COUNT(*) = @n FROM schema_version", connection);
            cmd.Parameters.AddWithValue("n", (long)latest);
            Assert.True((bool)(await cmd.ExecuteScalarAsync())!);
        }
        finally
        {
            foreach (var node in nodes) node.Dispose();
        }
    }

    [PostgresFact]
    public async Task IsHealthy_DatabaseReachable_TrueAndGone_False()
    {
        var connectionString = await engine.CreateDatabaseAsync();
        using var db = new PostgresDatabase(connectionString);
        Assert.True(await db.IsHealthyAsync());

        await engine.DropDatabaseAsync(connectionString);

        Assert.False(await db.IsHealthyAsync());
    }

    [PostgresFact]
    public async Task Open_SameDatabaseAgain_FindsTheSchemaCurrent()
    {
        var connectionString = await engine.CreateDatabaseAsync();
        using var first = new PostgresDatabase(connectionString);
        using var second = new PostgresDatabase(connectionString);

        Assert.Equal(first.SchemaVersion, second.SchemaVersion);
        Assert.True(await second.IsHealthyAsync());
    }
}
