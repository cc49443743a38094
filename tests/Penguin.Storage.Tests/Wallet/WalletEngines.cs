using Npgsql;
using Penguin.Core.Wallet;
using Penguin.Storage.Postgres;
using Penguin.Storage.Sqlite;
using Penguin.Storage.Tests.Engines;

namespace Penguin.Storage.Tests.Wallet;

/// <summary>
/// A wallet store on one engine, in a database of its own per test class. The ledger names users by id only, so
/// these suites need no other store (and leave the shared Stores record alone).
/// </summary>
public abstract class WalletEngine : IAsyncLifetime
{
    private IWalletStore? _store;

    public IWalletStore Store => _store ?? throw new InvalidOperationException("The engine is not available here.");

    protected abstract string? Unavailable { get; }

    protected abstract Task<IWalletStore> OpenAsync();

    protected abstract Task CloseAsync();

    public async ValueTask InitializeAsync()
    {
        if (Unavailable is null) _store = await OpenAsync();
    }

    public async ValueTask DisposeAsync()
    {
        if (Unavailable is null) await CloseAsync();
    }
}

public sealed class SqliteWalletEngine : WalletEngine
{
    private readonly string _directory = Path.Combine(Path.GetTempPath(), "penguin-storage-tests", Guid.NewGuid().ToString("N"));
    private SqliteDatabase? _db;

    protected override string? Unavailable => null;

    protected override Task<IWalletStore> OpenAsync()
    {
        _db = new SqliteDatabase(Path.Combine(_directory, "wallet.db"));
        return Task.FromResult<IWalletStore>(new SqliteWalletStore(_db));
    }

    protected override Task CloseAsync()
    {
        _db?.Dispose();
        if (Directory.Exists(_directory)) Directory.Delete(_directory, recursive: true);
        return Task.CompletedTask;
    }
}

public sealed class PostgresWalletEngine : WalletEngine
{
    private readonly string _name = $"penguin_test_{Guid.NewGuid():N}";
    private PostgresDatabase? _db;

    protected override string? Unavailable => PostgresEngine.SkipReason;

    protected override async Task<IWalletStore> OpenAsync()
    {
        // Timeout: 1,000 concurrent commands queue for 50 connections while the few hot rows serialize them.
        // DDL takes no parameters; the name is ours (hex digits), never input.
        await AdminAsync($"CREATE DATABASE {_name} TEMPLATE template0 ENCODING 'UTF8' LOCALE 'C.UTF-8'");
        _db = new PostgresDatabase(new NpgsqlConnectionStringBuilder(PostgresEngine.ConnectionString) { Database = _name, MaxPoolSize = 50, Timeout = 300 }.ConnectionString);
        return new PostgresWalletStore(_db);
    }

    protected override async Task CloseAsync()
    {
        _db?.Dispose();
        NpgsqlConnection.ClearAllPools();
        await AdminAsync($"DROP DATABASE IF EXISTS {_name} WITH (FORCE)");
    }

    private static async Task AdminAsync(string sql)
    {
        await using var connection = new NpgsqlConnection(PostgresEngine.ConnectionString);
        await connection.OpenAsync();
        await using var cmd = new NpgsqlCommand(sql, connection);
        await cmd.ExecuteNonQueryAsync();
    }
}

public sealed class SqliteWalletStoreTests(SqliteWalletEngine engine) : WalletStoreContract(engine), IClassFixture<SqliteWalletEngine>;

[RequiresPostgres]
public sealed class PostgresWalletStoreTests(PostgresWalletEngine engine) : WalletStoreContract(engine), IClassFixture<PostgresWalletEngine>;
