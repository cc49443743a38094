using System.Globalization;
using System.Security.Cryptography;
using Npgsql;

namespace Penguin.Load.Hosting;

/// <summary>
/// A PostgreSQL database of its own for one cluster run: created through the admin connection (a role with
/// CREATEDB) and dropped at the end, so runs never see each other's users.
/// </summary>
public sealed class BenchDatabase : IAsyncDisposable
{
    private readonly string _admin;

    private BenchDatabase(string admin, string name)
    {
        _admin = admin;
        Name = name;
        ConnectionString = ConnectionStringFor(admin, name);
    }

    public string Name { get; }

    /// <summary>The admin connection string pointed at this database: what the nodes use.</summary>
    public string ConnectionString { get; }

    /// <summary>penguin_load_20260101_120000_a1b2c3: sortable, unique, and a plain identifier (no quoting surprises).</summary>
    public static string NameFor(DateTimeOffset now, ReadOnlySpan<byte> random) =>
        "penguin_load_" + now.UtcDateTime.ToString("yyyyMMdd_HHmmss", CultureInfo.InvariantCulture) + "_" + Convert.ToHexStringLower(random);

    public static string ConnectionStringFor(string admin, string database) =>
        new NpgsqlConnectionStringBuilder(admin) { Database = database }.ConnectionString;

    public static async Task<BenchDatabase> CreateAsync(string admin, CancellationToken ct)
    {
        var database = new BenchDatabase(admin, NameFor(DateTimeOffset.UtcNow, RandomNumberGenerator.GetBytes(3)));
        // UTF-8 regardless of the machine's locale, like scripts/services/postgres.sh (nodes refuse anything else).
        await database.ExecuteAsync($"CREATE DATABASE {database.Name} ENCODING 'UTF8' TEMPLATE template0 LC_COLLATE 'C.UTF-8' LC_CTYPE 'C.UTF-8'", ct);
        return database;
    }

    private async Task ExecuteAsync(string sql, CancellationToken ct)
    {
        await using var connection = new NpgsqlConnection(new NpgsqlConnectionStringBuilder(_admin) { Pooling = false }.ConnectionString);
        await connection.OpenAsync(ct);
        await using var command = new NpgsqlCommand(sql, connection);
        await command.ExecuteNonQueryAsync(ct);
    }

    /// <summary>Drops the database, closing whatever connections are left (the nodes are gone by then).</summary>
    public async ValueTask DisposeAsync()
    {
        try
        {
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
            await ExecuteAsync($"DROP DATABASE IF EXISTS {Name} WITH (FORCE)", timeout.Token);
        }
        catch (Exception e) when (e is NpgsqlException or OperationCanceledException)
        {
            await Console.Error.WriteLineAsync($"could not drop database {Name}: {e.Message}");
        }
    }
}
