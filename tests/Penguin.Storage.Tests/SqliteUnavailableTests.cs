using Microsoft.Data.Sqlite;
using Penguin.Core.Common;
using Penguin.Storage.Sqlite;

namespace Penguin.Storage.Tests;

/// <summary>
/// SQLite's busy, locked, I/O, full-disk, read-only and cannot-open errors are outages, as PostgreSQL's are: callers
/// get <see cref="StorageUnavailableException"/> (answered "unavailable"), while every other error stays a bug.
/// </summary>
public sealed class SqliteUnavailableTests : IDisposable
{
    private readonly string _path = Path.Combine(Path.GetTempPath(), "penguin-storage-tests", $"{Guid.NewGuid():N}.db");
    private readonly SqliteDatabase _database;

    public SqliteUnavailableTests() => _database = new SqliteDatabase(_path);

    public void Dispose()
    {
        _database.Dispose();
        SqliteConnection.ClearAllPools();
        foreach (var file in new[] { _path, _path + "-wal", _path + "-shm" }) File.Delete(file);
    }

    [Theory]
    [InlineData(5)] // BUSY
    [InlineData(5 | 1 << 8)] // BUSY_RECOVERY
    [InlineData(6)] // LOCKED
    [InlineData(8)] // READONLY
    [InlineData(10)] // IOERR
    [InlineData(10 | 3 << 8)] // IOERR_WRITE
    [InlineData(13)] // FULL
    [InlineData(14)] // CANTOPEN
    public async Task OutageCodes_AreStorageUnavailable_OnReadsAndWrites(int code)
    {
        var error = new SqliteException("planted", code);

        var write = await Assert.ThrowsAsync<StorageUnavailableException>(async () => await _database.WriteAsync<int>((_, _) => throw error));
        var read = await Assert.ThrowsAsync<StorageUnavailableException>(async () => await _database.ReadAsync<int>(_ => throw error));

        Assert.Same(error, write.InnerException);
        Assert.Same(error, read.InnerException);
    }

    [Theory]
    [InlineData(1)] // ERROR (bad SQL)
    [InlineData(11)] // CORRUPT: not a passing condition
    [InlineData(19)] // CONSTRAINT
    public async Task OtherCodes_StayBugs(int code)
    {
        await Assert.ThrowsAsync<SqliteException>(async () => await _database.WriteAsync<int>((_, _) => throw new SqliteException("planted", code)));
        await Assert.ThrowsAsync<SqliteException>(async () => await _database.ReadAsync<int>(_ => throw new SqliteException("planted", code)));
    }

    [Fact]
    public async Task RealBusy_FromAnotherProcessHoldingTheWriteLock_IsStorageUnavailable()
    {
        using var other = new SqliteConnection($"Data Source={_path};Pooling=False");
        other.Open();
        using (var begin = other.CreateCommand())
        {
            begin.CommandText = "BEGIN IMMEDIATE";
            begin.ExecuteNonQuery();
        }

        var e = await Assert.ThrowsAsync<StorageUnavailableException>(async () => await _database.ReadAsync(connection =>
        {
            using var command = connection.CreateCommand();
            command.CommandTimeout = 1;
            command.CommandText = "BEGIN IMMEDIATE";
            return command.ExecuteNonQuery();
        }));

        Assert.Equal(5, ((SqliteException)e.InnerException!).SqliteErrorCode);
    }

    [Fact]
    public async Task RealDiskFull_FailsThatWriteAsUnavailable_AndTheNextWriteCommits()
    {
        await _database.WriteAsync((connection, tx) => Execute(connection, tx, "CREATE TABLE t (x BLOB); PRAGMA max_page_count = 1"));

        await Assert.ThrowsAsync<StorageUnavailableException>(async () =>
            await _database.WriteAsync((connection, tx) => Execute(connection, tx, "INSERT INTO t VALUES (zeroblob(100000))")));

        await _database.WriteAsync((connection, tx) => Execute(connection, tx, "PRAGMA max_page_count = 1073741823"));
        await _database.WriteAsync((connection, tx) => Execute(connection, tx, "INSERT INTO t VALUES (zeroblob(100000))"));
    }

    private static int Execute(SqliteConnection connection, SqliteTransaction tx, string sql)
    {
        using var command = connection.CreateCommand();
        command.Transaction = tx;
        command.CommandText = sql;
        return command.ExecuteNonQuery();
    }
}
