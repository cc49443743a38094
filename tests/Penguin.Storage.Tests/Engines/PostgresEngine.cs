using Npgsql;
using Penguin.Storage.Postgres;

namespace Penguin.Storage.Tests.Engines;

/// <summary>
/// PostgreSQL from <c>PENGUIN_TEST_POSTGRES</c> (a connection string whose role may CREATE DATABASE). Every
/// database it opens is new and uniquely named, and dropped at the end, so runs and classes are independent.
/// </summary>
public sealed class PostgresEngine : StorageEngine
{
    private readonly List<string> _databases = [];

    public static string? ConnectionString => TestServices.Postgres;

    public static string? SkipReason => TestServices.SkipReason([TestServices.PostgresVariable]);

    protected override string? Unavailable => SkipReason;

    /// <summary>Creates an empty database and returns its connection string, without opening any store.</summary>
    public async Task<string> CreateDatabaseAsync()
    {
        var name = $"penguin_test_{Guid.NewGuid():N}";
        lock (_databases) _databases.Add(name);
        // DDL takes no parameters; the name is ours (hex digits), never input.
        await AdminAsync($"CREATE DATABASE {name} TEMPLATE template0 ENCODING 'UTF8' LOCALE 'C.UTF-8'");
        // A bounded pool per database: classes run in parallel, and unbounded pools (100 each) exhausted the server's slots.
        return new NpgsqlConnectionStringBuilder(ConnectionString) { Database = name, MaxPoolSize = 20 }.ConnectionString;
    }

    /// <summary>Drops a database made by <see cref="CreateDatabaseAsync"/> while it may still be in use, as an outage would.</summary>
    public async Task DropDatabaseAsync(string connectionString)
    {
        var name = new NpgsqlConnectionStringBuilder(connectionString).Database;
        lock (_databases)
        {
            if (!_databases.Contains(name!)) throw new ArgumentException("Not a database of this engine.", nameof(connectionString));
        }
        await AdminAsync($"DROP DATABASE IF EXISTS {name} WITH (FORCE)");
    }

    protected override async Task<(Stores, IAsyncDisposable)> OpenNewDatabaseAsync()
    {
        var db = new PostgresDatabase(await CreateDatabaseAsync());
        var stores = new Stores(new PostgresAccountStore(db), new PostgresSocialStore(db), new PostgresEventLog(db), new PostgresMessageStore(db)) { Xmpp = new PostgresXmppStore(db), Files = new PostgresFileStore(db), Avatars = new PostgresAvatarStore(db), Groups = new PostgresGroupStore(db), Rooms = new PostgresRoomStore(db) };
        return (stores, new Owner(db));
    }

    protected override async Task DeleteDatabasesAsync()
    {
        NpgsqlConnection.ClearAllPools();
        foreach (var name in _databases) await AdminAsync($"DROP DATABASE IF EXISTS {name} WITH (FORCE)");
    }

    private static async Task AdminAsync(string sql)
    {
        await using var connection = new NpgsqlConnection(ConnectionString);
        await connection.OpenAsync();
        await using var cmd = new NpgsqlCommand(sql, connection);
        await cmd.ExecuteNonQueryAsync();
    }

    private sealed class Owner(IDisposable db) : IAsyncDisposable
    {
        public ValueTask DisposeAsync()
        {
            db.Dispose();
            return ValueTask.CompletedTask;
        }
    }
}
