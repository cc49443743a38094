using Npgsql;
using Penguin.Storage.Postgres;
using Penguin.Storage.Tests.Engines;

namespace Penguin.Storage.Tests;

/// <summary>What only the PostgreSQL engine has to get right: several nodes sharing one database.</summary>
public sealed class PostgresDatabaseTests(PostgresEngine engine) : IClassFixture<PostgresEngine>
{
    [Fact]
    public void Tune_ConnectionStringWithoutThem_GetsPreparedStatementsAndTheBoundedPool()
    {
        var tuned = new NpgsqlConnectionStringBuilder(PostgresDatabase.Tune("Host=db1;Username=penguin;Database=penguin", 12));
        Assert.Equal((PostgresDatabase.DefaultMaxAutoPrepare, 12), (tuned.MaxAutoPrepare, tuned.MaxPoolSize));
        Assert.Equal(PostgresDatabase.DefaultMaxPoolSize, new NpgsqlConnectionStringBuilder(PostgresDatabase.Tune("Host=db1")).MaxPoolSize);
    }

    [Fact]
    public void Tune_ConnectionStringThatSetsThem_Wins()
    {
        var tuned = new NpgsqlConnectionStringBuilder(PostgresDatabase.Tune("Host=db1;Maximum Pool Size=5;Max Auto Prepare=0", 40));
        Assert.Equal((0, 5), (tuned.MaxAutoPrepare, tuned.MaxPoolSize));
        Assert.Equal(7, new NpgsqlConnectionStringBuilder(PostgresDatabase.Tune("host=db1;maximum pool size=7", 40)).MaxPoolSize);
    }

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
            // Versions need not be contiguous (another branch may own a number): each applied once, the latest last.
            await using var cmd = new NpgsqlCommand("SELECT COUNT(*) = COUNT(DISTINCT version) AND MAX(version) = @n FROM schema_version", connection);
            cmd.Parameters.AddWithValue("n", latest);
            Assert.True((bool)(await cmd.ExecuteScalarAsync())!);
        }
        finally
        {
            foreach (var node in nodes) node.Dispose();
        }
    }

    [PostgresFact]
    public async Task Open_DatabaseAlreadyAtAHigherVersion_StillAppliesTheScriptsItLacks()
    {
        // As after merging a branch whose migration number is lower than one the database already ran.
        var connectionString = await engine.CreateDatabaseAsync();
        await using (var connection = new NpgsqlConnection(connectionString))
        {
            await connection.OpenAsync();
            await using var cmd = new NpgsqlCommand("CREATE TABLE schema_version (version integer NOT NULL); INSERT INTO schema_version VALUES (9999)", connection);
            await cmd.ExecuteNonQueryAsync();
        }

        using var db = new PostgresDatabase(connectionString);

        Assert.Equal(9999, db.SchemaVersion);
        await using var check = new NpgsqlConnection(connectionString);
        await check.OpenAsync();
        await using var query = new NpgsqlCommand(
            "SELECT (SELECT COUNT(*) FROM schema_version WHERE version < 9999) >= 2 AND to_regclass('messages') IS NOT NULL AND to_regclass('users') IS NOT NULL",
            check);
        Assert.True((bool)(await query.ExecuteScalarAsync())!);
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
