using System.Reflection;
using Npgsql;
using Penguin.Core.Common;

namespace Penguin.Storage.Postgres;

/// <summary>
/// The cluster-mode system of record: one PostgreSQL database shared by every node. Connections come from
/// one pooled <see cref="NpgsqlDataSource"/>; each write is one READ COMMITTED transaction, retried when
/// PostgreSQL breaks a deadlock or a serialization conflict between nodes.
/// </summary>
public sealed class PostgresDatabase : IStorageHealth, IDisposable
{
    /// <summary>Key of the advisory lock that lets exactly one starting node migrate at a time.</summary>
    private const long MigrationLockKey = 0x50656E6775696E; // "Penguin"

    private const int MaxAttempts = 5;

    private readonly NpgsqlDataSource _source;

    /// <summary>Statements each connection keeps prepared (Npgsql's Max Auto Prepare) unless the connection string says otherwise.</summary>
    public const int DefaultMaxAutoPrepare = 64;

    /// <summary>Connections one node opens at most (Npgsql's Maximum Pool Size) unless the connection string says otherwise.</summary>
    public const int DefaultMaxPoolSize = 32;

    public PostgresDatabase(string connectionString, int maxPoolSize = DefaultMaxPoolSize)
    {
        _source = NpgsqlDataSource.Create(Tune(connectionString, maxPoolSize));
        Migrate();
    }

    /// <summary>
    /// The connection string with the cluster's defaults for what it leaves out: statements prepared automatically
    /// (a send is then one Bind/Execute of a prepared call, no parsing or planning), no reset on return to the pool,
    /// and a bounded pool, so that
    /// nodes × pool size stays below the server's max_connections. A value written in the connection string wins.
    /// </summary>
    public static string Tune(string connectionString, int maxPoolSize = DefaultMaxPoolSize)
    {
        var builder = new NpgsqlConnectionStringBuilder(connectionString);
        if (!Has(connectionString, "Max Auto Prepare", "MaxAutoPrepare")) builder.MaxAutoPrepare = DefaultMaxAutoPrepare;
        if (!Has(connectionString, "Maximum Pool Size", "Max Pool Size", "MaxPoolSize")) builder.MaxPoolSize = maxPoolSize;
        // The nodes keep no session state (no LISTEN, temporary tables, session advisory locks or SET): resetting a
        // connection each time it goes back to the pool would only cost every next statement five more for the backend.
        if (!Has(connectionString, "No Reset On Close", "NoResetOnClose")) builder.NoResetOnClose = true;
        if (builder.MinPoolSize > builder.MaxPoolSize) builder.MinPoolSize = builder.MaxPoolSize;
        return builder.ConnectionString;
    }

    private static bool Has(string connectionString, params string[] keys)
    {
        var given = new System.Data.Common.DbConnectionStringBuilder { ConnectionString = connectionString };
        return keys.Any(k => given.Keys.Cast<string>().Any(g => string.Equals(g.Replace(" ", "", StringComparison.Ordinal), k.Replace(" ", "", StringComparison.Ordinal), StringComparison.OrdinalIgnoreCase)));
    }

    public int SchemaVersion { get; private set; }

    /// <summary>
    /// Runs <paramref name="work"/> in one transaction. The token reaches opening the connection, the transaction and
    /// every statement (<see cref="PgSql.Bind"/>); the commit itself is not cancelled, so once it is sent the
    /// outcome is the database's, and the events of a committed change are always returned for publishing.
    /// </summary>
    internal async ValueTask<T> WriteAsync<T>(Func<NpgsqlConnection, NpgsqlTransaction, Task<T>> work, CancellationToken cancellationToken = default)
    {
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                await using var connection = await _source.OpenConnectionAsync(cancellationToken);
                using var bound = PgSql.Bind(connection, cancellationToken);
                await using var tx = await connection.BeginTransactionAsync(cancellationToken);
                var result = await work(connection, tx);
                await tx.CommitAsync(CancellationToken.None);
                return result;
            }
            // Nothing was committed, so running the whole unit again is safe; the event callbacks only build drafts.
            catch (PostgresException e) when (e.SqlState is PostgresErrorCodes.DeadlockDetected or PostgresErrorCodes.SerializationFailure
                                              && attempt < MaxAttempts)
            {
                await Task.Delay(Random.Shared.Next(1, 10 * attempt), cancellationToken);
            }
            // Not retried: the commit may or may not have reached the server, and only the caller can tell.
            catch (NpgsqlException e) when (IsUnavailable(e))
            {
                throw Unavailable(e);
            }
        }
    }

    /// <summary>
    /// Runs <paramref name="work"/>, one statement (a function that makes a whole change), without a transaction
    /// of its own: the statement is its transaction, so the change costs one round trip and holds its locks only
    /// while the server runs it. Retried like <see cref="WriteAsync{T}"/> when PostgreSQL breaks a deadlock.
    /// </summary>
    internal async ValueTask<T> CallAsync<T>(Func<NpgsqlConnection, Task<T>> work, CancellationToken cancellationToken = default)
    {
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                await using var connection = await _source.OpenConnectionAsync(cancellationToken);
                using var bound = PgSql.Bind(connection, cancellationToken);
                return await work(connection);
            }
            catch (PostgresException e) when (e.SqlState is PostgresErrorCodes.DeadlockDetected or PostgresErrorCodes.SerializationFailure
                                              && attempt < MaxAttempts)
            {
                await Task.Delay(Random.Shared.Next(1, 10 * attempt), cancellationToken);
            }
            catch (NpgsqlException e) when (IsUnavailable(e))
            {
                throw Unavailable(e);
            }
        }
    }

    internal async ValueTask<T> ReadAsync<T>(Func<NpgsqlConnection, Task<T>> work, CancellationToken cancellationToken = default)
    {
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                await using var connection = await _source.OpenConnectionAsync(cancellationToken);
                using var bound = PgSql.Bind(connection, cancellationToken);
                return await work(connection);
            }
            // After a restart the pool still holds dead connections: a read is safe to run once more on a fresh one.
            catch (NpgsqlException e) when (IsUnavailable(e) && attempt == 1 && !cancellationToken.IsCancellationRequested)
            {
                _source.Clear();
            }
            catch (NpgsqlException e) when (IsUnavailable(e))
            {
                throw Unavailable(e);
            }
        }
    }

    /// <summary>The server is down, restarting or unreachable: a condition to report and ride out, not a bug.</summary>
    private static bool IsUnavailable(NpgsqlException e) =>
        e.IsTransient
        || e is PostgresException { SqlState: PostgresErrorCodes.AdminShutdown or PostgresErrorCodes.CrashShutdown or PostgresErrorCodes.CannotConnectNow }
        || e is PostgresException { SqlState: [ '0', '8', ..] }
        || e.InnerException is IOException or System.Net.Sockets.SocketException or TimeoutException;

    private StorageUnavailableException Unavailable(NpgsqlException e)
    {
        // Connections opened before the outage are dead: let the next request open fresh ones.
        _source.Clear();
        return new StorageUnavailableException("The PostgreSQL database is unavailable.", e);
    }

    public async ValueTask<bool> IsHealthyAsync(CancellationToken cancellationToken = default)
    {
        try
        {
            await using var connection = await _source.OpenConnectionAsync(cancellationToken);
            return await connection.ScalarAsync(null, "SELECT 1") == 1;
        }
        catch (Exception e) when (e is NpgsqlException or TimeoutException)
        {
            return false;
        }
    }

    public void Dispose() => _source.Dispose();

    /// <summary>
    /// Applies the embedded scripts Migrations/NNNN_name.sql the database has not applied yet, in version order,
    /// all in one transaction. Versions need not be contiguous, and a version that arrives later than a higher
    /// one (branches merged in another order than they were numbered) is still applied: the runner looks for
    /// each version in schema_version rather than comparing with the highest. Several nodes may start at once:
    /// the transaction-scoped advisory lock makes them take turns, and the later ones find nothing to apply.
    /// </summary>
    private void Migrate()
    {
        using var connection = _source.OpenConnection();
        RequireUtf8(connection);
        using var tx = connection.BeginTransaction();
        Execute(connection, tx, "SELECT pg_advisory_xact_lock(@k)", ("k", MigrationLockKey));
        Execute(connection, tx, "CREATE TABLE IF NOT EXISTS schema_version (version integer NOT NULL)");
        var applied = new HashSet<int>();
        using (var cmd = connection.Sql(tx, "SELECT version FROM schema_version"))
        using (var reader = cmd.ExecuteReader())
            while (reader.Read()) applied.Add(reader.GetInt32(0));

        foreach (var (version, script) in Scripts().Where(s => !applied.Contains(s.Version)).OrderBy(s => s.Version))
        {
            Execute(connection, tx, script);
            Execute(connection, tx, "INSERT INTO schema_version (version) VALUES (@v)", ("v", version));
            applied.Add(version);
        }
        tx.Commit();
        SchemaVersion = applied.Count == 0 ? 0 : applied.Max();
    }

    /// <summary>Nicknames and messages are Chinese first: a database in another encoding would mangle them.</summary>
    private static void RequireUtf8(NpgsqlConnection connection)
    {
        using var cmd = connection.Sql(null, "SHOW server_encoding");
        var encoding = cmd.ExecuteScalar() as string;
        if (!string.Equals(encoding, "UTF8", StringComparison.OrdinalIgnoreCase))
            throw new InvalidOperationException($"The PostgreSQL database must use UTF8 encoding, not {encoding}.");
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

    private static void Execute(NpgsqlConnection connection, NpgsqlTransaction? tx, string sql, params (string, object?)[] parameters)
    {
        using var cmd = connection.Sql(tx, sql, parameters);
        cmd.ExecuteNonQuery();
    }
}
