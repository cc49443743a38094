using System.Reflection;
using Microsoft.Data.Sqlite;
using Penguin.Core.Common;

namespace Penguin.Storage.Sqlite;

/// <summary>
/// The embedded database: one SQLite file in WAL mode. Writes go through one connection, one transaction
/// at a time (SQLite has a single writer anyway, and this avoids busy retries); reads use pooled connections.
/// </summary>
public sealed class SqliteDatabase : IStorageHealth, IDisposable
{
    private readonly string _connectionString;
    private readonly SqliteConnection _writer;
    private readonly SemaphoreSlim _writeLock = new(1, 1);

    public SqliteDatabase(string path)
    {
        var directory = Path.GetDirectoryName(Path.GetFullPath(path));
        if (directory is not null) Directory.CreateDirectory(directory);
        _connectionString = new SqliteConnectionStringBuilder
        {
            DataSource = path,
            Mode = SqliteOpenMode.ReadWriteCreate,
            Pooling = true,
            DefaultTimeout = 30,
        }.ToString();
        _writer = new SqliteConnection(_connectionString);
        _writer.Open();
        // FULL: a commit is on disk before it is acknowledged, also across a power cut.
        Execute(_writer, "PRAGMA journal_mode = WAL; PRAGMA synchronous = FULL; PRAGMA foreign_keys = ON; PRAGMA busy_timeout = 30000;");
        Migrate();
    }

    public int SchemaVersion { get; private set; }

    internal async ValueTask<T> WriteAsync<T>(Func<SqliteConnection, SqliteTransaction, T> work)
    {
        await _writeLock.WaitAsync();
        try
        {
            using var tx = _writer.BeginTransaction(deferred: false);
            var result = work(_writer, tx);
            tx.Commit();
            return result;
        }
        finally
        {
            _writeLock.Release();
        }
    }

    internal ValueTask<T> ReadAsync<T>(Func<SqliteConnection, T> work)
    {
        using var connection = new SqliteConnection(_connectionString);
        connection.Open();
        return ValueTask.FromResult(work(connection));
    }

    public ValueTask<bool> IsHealthyAsync(CancellationToken cancellationToken = default)
    {
        try
        {
            using var connection = new SqliteConnection(_connectionString);
            connection.Open();
            return ValueTask.FromResult(connection.Scalar(null, "SELECT 1") == 1);
        }
        catch (SqliteException)
        {
            return ValueTask.FromResult(false);
        }
    }

    public void Dispose()
    {
        _writer.Dispose();
        _writeLock.Dispose();
        SqliteConnection.ClearAllPools();
    }

    /// <summary>Applies the embedded scripts Migrations/NNNN_name.sql newer than the database, each in its own transaction.</summary>
    private void Migrate()
    {
        Execute(_writer, "CREATE TABLE IF NOT EXISTS schema_version (version INTEGER NOT NULL)");
        using (var cmd = _writer.Sql("SELECT COALESCE(MAX(version), 0) FROM schema_version", null))
            SchemaVersion = Convert.ToInt32(cmd.ExecuteScalar(), System.Globalization.CultureInfo.InvariantCulture);

        foreach (var (version, script) in Scripts().Where(s => s.Version > SchemaVersion))
        {
            using var tx = _writer.BeginTransaction();
            using (var cmd = _writer.Sql(script, tx)) cmd.ExecuteNonQuery();
            using (var cmd = _writer.Sql("INSERT INTO schema_version (version) VALUES ($v)", tx, ("$v", version))) cmd.ExecuteNonQuery();
            tx.Commit();
            SchemaVersion = version;
        }
    }

    internal static IEnumerable<(int Version, string Script)> Scripts()
    {
        var assembly = Assembly.GetExecutingAssembly();
        foreach (var name in assembly.GetManifestResourceNames().Where(n => n.EndsWith(".sql", StringComparison.Ordinal)).Order(StringComparer.Ordinal))
        {
            var file = name[(name.IndexOf(".Migrations.", StringComparison.Ordinal) + ".Migrations.".Length)..];
            using var reader = new StreamReader(assembly.GetManifestResourceStream(name)!);
            yield return (int.Parse(file[..4], System.Globalization.CultureInfo.InvariantCulture), reader.ReadToEnd());
        }
    }

    private static void Execute(SqliteConnection connection, string sql)
    {
        using var cmd = connection.Sql(sql, null);
        cmd.ExecuteNonQuery();
    }
}
