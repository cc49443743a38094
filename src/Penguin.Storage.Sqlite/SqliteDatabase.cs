using System.Collections.Concurrent;
using System.Diagnostics;
using System.Diagnostics.Metrics;
using System.Reflection;
using System.Threading.Channels;
using Microsoft.Data.Sqlite;
using Penguin.Core.Common;

namespace Penguin.Storage.Sqlite;

/// <summary>
/// The embedded database: one SQLite file in WAL mode, read through pooled connections and written by one
/// writer thread with group commit: the writes waiting at the moment share one transaction and one fsync,
/// each inside its own savepoint so a failing write rolls back alone. A write completes only after the
/// commit that holds it is on disk, so an acknowledged write survives a crash.
/// </summary>
public sealed class SqliteDatabase : IStorageHealth, IDisposable
{
    private const int MaxBatch = 512;
    private readonly string _connectionString;
    private readonly SqliteConnection _writer;
    private readonly Channel<IWrite> _writes = Channel.CreateUnbounded<IWrite>(new UnboundedChannelOptions { SingleReader = true });
    private readonly Thread _writerThread;
    // Reads are short and CPU-bound: a few connections per core serve them, and each keeps a page cache.
    private static readonly int MaxIdleReaders = 2 * Environment.ProcessorCount;
    private readonly ConcurrentBag<SqliteConnection> _readers = [];
    private volatile bool _disposed;
    private readonly Histogram<int>? _batchSize;
    private readonly Histogram<double>? _commitTime;

    /// <param name="meters">When given, the writer reports its batch sizes and commit times (meter "Penguin.Storage.Sqlite").</param>
    public SqliteDatabase(string path, IMeterFactory? meters = null)
    {
        if (meters?.Create("Penguin.Storage.Sqlite") is { } meter)
        {
            _batchSize = meter.CreateHistogram("penguin.writer.batch.size", unit: "{write}", description: "Writes committed together by the SQLite writer (group commit).",
                advice: new InstrumentAdvice<int> { HistogramBucketBoundaries = [1, 2, 4, 8, 16, 32, 64, 128, 256, 512] });
            _commitTime = meter.CreateHistogram("penguin.writer.commit.duration", unit: "s", description: "Time of one SQLite writer batch: its writes and the commit (fsync).",
                advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = [0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1] });
            meter.CreateObservableGauge("penguin.sqlite.memory", static () => SQLitePCL.raw.sqlite3_memory_used(), unit: "By",
                description: "Native memory SQLite holds now, mostly the page caches of the writer and the readers (bounded by their cache sizes).");
        }

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
        // temp_store: savepoint journals stay in memory; durability comes from the WAL, not from them.
        Execute(_writer, "PRAGMA journal_mode = WAL; PRAGMA synchronous = FULL; PRAGMA foreign_keys = ON; PRAGMA busy_timeout = 30000; PRAGMA temp_store = MEMORY;");
        // The writer touches the hot pages (users, conversations, index tails) of every message: with SQLite's
        // default 2 MiB cache they were read again and again with pread.
        Execute(_writer, "PRAGMA cache_size = -65536");
        // Checkpoint every ~40 MiB of WAL rather than 4 MiB: a hot page written by many commits is copied
        // into the database file (and fsynced) once per checkpoint, so fewer checkpoints copy less.
        Execute(_writer, "PRAGMA wal_autocheckpoint = 10000");
        Migrate();
        SqlExtensions.CacheStatements(_writer);
        _writerThread = new Thread(WriteLoop) { IsBackground = true, Name = "sqlite-writer" };
        _writerThread.Start();
    }

    public int SchemaVersion { get; private set; }

    /// <summary>The users' event log heads; only for work running on the writer thread.</summary>
    internal EventHeads EventHeads { get; } = new();

    /// <summary>
    /// Queues a write for the writer's next group commit. A cancelled caller is refused before the write is queued;
    /// once queued, the write runs and its task completes with the commit, so its outcome is always known.
    /// </summary>
    internal ValueTask<T> WriteAsync<T>(Func<SqliteConnection, SqliteTransaction, T> work, CancellationToken cancellationToken = default)
    {
        cancellationToken.ThrowIfCancellationRequested();
        var write = new Write<T>(work);
        ObjectDisposedException.ThrowIf(!_writes.Writer.TryWrite(write), this);
        return new ValueTask<T>(write.Task);
    }

    private void WriteLoop()
    {
        var batch = new List<IWrite>(MaxBatch);
        var reader = _writes.Reader;
        while (reader.WaitToReadAsync().AsTask().GetAwaiter().GetResult())
        {
            while (batch.Count < MaxBatch && reader.TryRead(out var write)) batch.Add(write);
            var started = Stopwatch.GetTimestamp();
            try
            {
                // Optimistically without savepoints (two statements per write saved); a write that throws may
                // have done half its work with nothing marking where it began, so then the whole batch is
                // undone and the others run again, each in its own savepoint. The failed write keeps its error.
                if (!RunBatch(batch, savepoints: false)) RunBatch(batch.Where(w => !w.Failed), savepoints: true);
                _commitTime?.Record(Stopwatch.GetElapsedTime(started).TotalSeconds);
                _batchSize?.Record(batch.Count);
                foreach (var write in batch) write.Complete();
            }
            catch (Exception e) when (e is SqliteException or InvalidOperationException)
            {
                EventHeads.Forget();
                foreach (var write in batch) write.Fail(e);
            }
            batch.Clear();
        }
    }

    /// <summary>Runs the writes in one transaction and commits it; false (nothing committed) when a write threw without savepoints.</summary>
    private bool RunBatch(IEnumerable<IWrite> writes, bool savepoints)
    {
        using var tx = _writer.BeginTransaction(deferred: false);
        foreach (var write in writes)
        {
            if (!savepoints)
            {
                if (write.Run(_writer, tx)) continue;
                tx.Rollback();
                EventHeads.Forget();
                return false;
            }
            _writer.Execute(tx, "SAVEPOINT w");
            if (write.Run(_writer, tx))
            {
                _writer.Execute(tx, "RELEASE w");
                continue;
            }
            _writer.Execute(tx, "ROLLBACK TO w; RELEASE w");
            EventHeads.Forget();
        }
        tx.Commit();
        return true;
    }

    /// <summary>Runs a read on a pooled reader connection, on the caller's thread; a cancelled caller is refused before it starts.</summary>
    internal ValueTask<T> ReadAsync<T>(Func<SqliteConnection, T> work, CancellationToken cancellationToken = default)
    {
        cancellationToken.ThrowIfCancellationRequested();
        SqliteConnection connection;
        try
        {
            connection = RentReader();
        }
        catch (SqliteException e) when (IsUnavailable(e))
        {
            throw Unavailable(e);
        }
        try
        {
            return ValueTask.FromResult(work(connection));
        }
        catch (SqliteException e) when (IsUnavailable(e))
        {
            throw Unavailable(e);
        }
        finally
        {
            ReturnReader(connection);
        }
    }

    /// <summary>
    /// Busy, locked, I/O, full disk, read-only or unopenable: the database cannot serve now, as PostgreSQL's outages
    /// are; callers answer "unavailable" instead of failing as a bug would.
    /// </summary>
    internal static bool IsUnavailable(SqliteException e) =>
        (e.SqliteErrorCode & 0xFF) is 5 /* BUSY */ or 6 /* LOCKED */ or 8 /* READONLY */ or 10 /* IOERR */ or 13 /* FULL */ or 14 /* CANTOPEN */ or 15 /* PROTOCOL */;

    private static StorageUnavailableException Unavailable(SqliteException e) => new("The SQLite database is unavailable.", e);

    private static Exception Map(Exception e) => e is SqliteException sqlite && IsUnavailable(sqlite) ? Unavailable(sqlite) : e;

    // Reads run on long-lived connections that keep their prepared statements, one per concurrent read:
    // compiling a statement again for every read cost as much as running it.
    private SqliteConnection RentReader()
    {
        if (_readers.TryTake(out var connection)) return connection;
        connection = new SqliteConnection(_connectionString);
        connection.Open();
        // 1 MiB of pages each (SQLite's default is 2 MiB): the OS page cache holds the rest.
        Execute(connection, "PRAGMA cache_size = -1024");
        SqlExtensions.CacheStatements(connection);
        return connection;
    }

    private void ReturnReader(SqliteConnection connection)
    {
        if (!_disposed && _readers.Count < MaxIdleReaders)
        {
            _readers.Add(connection);
            // Disposed meanwhile: its drain may have missed this one (disposing twice is harmless).
            if (!_disposed) return;
        }
        CloseReader(connection);
    }

    private static void CloseReader(SqliteConnection connection)
    {
        SqlExtensions.ReleaseStatements(connection);
        connection.Dispose();
    }

    public ValueTask<bool> IsHealthyAsync(CancellationToken cancellationToken = default)
    {
        try
        {
            // A connection of its own, opened without create and outside the pool, so that it sees the file as it
            // is on disk now: a deleted, replaced or damaged file shows here while pooled connections still work.
            using var connection = new SqliteConnection(new SqliteConnectionStringBuilder(_connectionString) { Pooling = false, Mode = SqliteOpenMode.ReadWrite }.ToString());
            connection.Open();
            // Reads the schema page, so a damaged or replaced file shows, not only a working library.
            return ValueTask.FromResult(connection.Scalar(null, "SELECT count(*) FROM sqlite_schema") > 0);
        }
        catch (SqliteException)
        {
            return ValueTask.FromResult(false);
        }
    }

    public void Dispose()
    {
        _disposed = true;
        _writes.Writer.TryComplete();
        _writerThread.Join();
        while (_readers.TryTake(out var reader)) CloseReader(reader);
        SqlExtensions.ReleaseStatements(_writer);
        _writer.Dispose();
        SqliteConnection.ClearAllPools();
    }

    private interface IWrite
    {
        /// <summary>
        /// Runs the work inside the batch's transaction; false when it threw. A work may run twice (the first
        /// run rolled back with its batch), so it must only touch the database.
        /// </summary>
        bool Run(SqliteConnection connection, SqliteTransaction tx);

        /// <summary>Called after the commit: only now is the write durable and its result released.</summary>
        void Complete();

        /// <summary>The work threw: it is not run again.</summary>
        bool Failed { get; }

        void Fail(Exception error);
    }

    private sealed class Write<T>(Func<SqliteConnection, SqliteTransaction, T> work) : IWrite
    {
        private readonly TaskCompletionSource<T> _done = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private T? _result;
        private Exception? _error;

        public Task<T> Task => _done.Task;

        public bool Failed => _error is not null;

        public bool Run(SqliteConnection connection, SqliteTransaction tx)
        {
            try
            {
                _result = work(connection, tx);
                return true;
            }
#pragma warning disable CA1031 // the exception belongs to the caller, who gets it through the task
            catch (Exception e)
#pragma warning restore CA1031
            {
                _error = e;
                return false;
            }
        }

        public void Complete()
        {
            if (_error is null) _done.TrySetResult(_result!);
            else _done.TrySetException(Map(_error));
        }

        public void Fail(Exception error) => _done.TrySetException(Map(_error ?? error));
    }

    /// <summary>Applies the embedded scripts Migrations/NNNN_name.sql newer than the database, each in its own transaction.</summary>
    /// <summary>
    /// Applies every embedded script not yet recorded in schema_version, oldest first, each in its own
    /// transaction (a version may be missing between two applied ones after branches merge).
    /// </summary>
    private void Migrate()
    {
        Execute(_writer, "CREATE TABLE IF NOT EXISTS schema_version (version INTEGER NOT NULL)");
        var applied = _writer.Query(null, "SELECT version FROM schema_version", r => r.GetInt32(0)).ToHashSet();
        foreach (var (version, script) in Scripts().Where(s => !applied.Contains(s.Version)).OrderBy(s => s.Version))
        {
            using var tx = _writer.BeginTransaction();
            using (var cmd = _writer.Sql(script, tx)) cmd.ExecuteNonQuery();
            _writer.Execute(tx, "INSERT INTO schema_version (version) VALUES ($v)", ("$v", version));
            tx.Commit();
            applied.Add(version);
        }
        SchemaVersion = applied.Count == 0 ? 0 : applied.Max();
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
