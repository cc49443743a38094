using Microsoft.Data.Sqlite;
using Penguin.Storage.Sqlite;

namespace Penguin.Storage.Tests;

/// <summary>
/// An acknowledged write survives a crash or power cut only if the writer connection commits with
/// <c>synchronous = FULL</c> in WAL mode: asked on the writer connection itself, through the writer thread.
/// </summary>
public sealed class SqliteDurabilityTests
{
    [Fact]
    public async Task WriterConnection_RunsWalWithSynchronousFull()
    {
        var path = Path.Combine(Path.GetTempPath(), "penguin-storage-tests", $"{Guid.NewGuid():N}.db");
        try
        {
            using (var database = new SqliteDatabase(path))
            {
                var (journal, synchronous) = await database.WriteAsync((connection, transaction) =>
                {
                    using var command = connection.CreateCommand();
                    command.Transaction = transaction;
                    command.CommandText = "PRAGMA journal_mode";
                    var mode = (string)command.ExecuteScalar()!;
                    command.CommandText = "PRAGMA synchronous";
                    return (mode, (long)command.ExecuteScalar()!);
                });
                Assert.Equal("wal", journal, ignoreCase: true);
                Assert.Equal(2L, synchronous); // 0 OFF, 1 NORMAL, 2 FULL, 3 EXTRA
            }
        }
        finally
        {
            SqliteConnection.ClearAllPools();
            foreach (var file in new[] { path, path + "-wal", path + "-shm" }) File.Delete(file);
        }
    }
}
