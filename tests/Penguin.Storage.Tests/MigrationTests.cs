using Microsoft.Data.Sqlite;
using Npgsql;
using Penguin.Core.Messaging;
using Penguin.Core.Sync;
using Penguin.Storage.Postgres;
using Penguin.Storage.Sqlite;
using Penguin.Storage.Tests.Engines;

namespace Penguin.Storage.Tests;

/// <summary>
/// A database left by the first release (schema version 1, with data in it) opened by this one: every later
/// migration applies, the old rows survive, and the new features work on them.
/// </summary>
public sealed class MigrationTests(PostgresEngine postgres) : IClassFixture<PostgresEngine>
{
    private static string FirstScript(string engine) =>
        File.ReadAllText(Path.Combine(RepositoryRoot(), "src", $"Penguin.Storage.{engine}", "Migrations", "0001_initial.sql"));

    private static string RepositoryRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            if (File.Exists(Path.Combine(dir.FullName, "Penguin.slnx"))) return dir.FullName;
        throw new DirectoryNotFoundException("Penguin.slnx not found above the test binaries.");
    }

    // Two version-1 users: what the first release wrote for a registration (created_at is each engine's own type).
    private static string VersionOneUsers(string createdAt) => $"""
        INSERT INTO users (nickname, password_hash, avatar, created_at) VALUES ('老用户', 'x', 'penguin-01', {createdAt});
        INSERT INTO users (nickname, password_hash, avatar, created_at) VALUES ('老朋友', 'x', 'penguin-02', {createdAt});
        """;

    [Fact]
    public async Task Sqlite_VersionOneDatabase_UpgradesWithItsDataIntact()
    {
        var path = Path.Combine(Path.GetTempPath(), "penguin-storage-tests", $"{Guid.NewGuid():N}.db");
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        await using (var v1 = new SqliteConnection($"Data Source={path};Pooling=False"))
        {
            v1.Open();
            await using var cmd = v1.CreateCommand();
            cmd.CommandText = "CREATE TABLE schema_version (version INTEGER NOT NULL); INSERT INTO schema_version VALUES (1);"
                + FirstScript("Sqlite") + VersionOneUsers("0");
            await cmd.ExecuteNonQueryAsync();
        }

        using var db = new SqliteDatabase(path);

        Assert.True(db.SchemaVersion > 1);
        await AssertUpgradedAsync(new SqliteAccountStore(db), new SqliteMessageStore(db), new SqliteEventLog(db));
        File.Delete(path);
    }

    [PostgresFact]
    public async Task Postgres_VersionOneDatabase_UpgradesWithItsDataIntact()
    {
        var connectionString = await postgres.CreateDatabaseAsync();
        await using (var v1 = new NpgsqlConnection(connectionString))
        {
            await v1.OpenAsync();
            await using var cmd = new NpgsqlCommand(
                "CREATE TABLE schema_version (version integer NOT NULL); INSERT INTO schema_version VALUES (1);"
                + FirstScript("Postgres") + VersionOneUsers("now()"), v1);
            await cmd.ExecuteNonQueryAsync();
        }

        using var db = new PostgresDatabase(connectionString);

        Assert.True(db.SchemaVersion > 1);
        await AssertUpgradedAsync(new PostgresAccountStore(db), new PostgresMessageStore(db), new PostgresEventLog(db));
    }

    private static async Task AssertUpgradedAsync(Core.Accounts.IAccountStore accounts, IMessageStore messages, IEventLog log)
    {
        var old = await accounts.GetUserAsync(10001);
        var friend = await accounts.GetUserAsync(10002);
        Assert.Equal("老用户", old!.Nickname);
        Assert.Equal("老朋友", friend!.Nickname);
        Assert.False(old.Settings.AllowStrangerMessages); // the new column's default

        // The features of the later versions work on users of the first.
        var sent = await messages.SendAsync(new NewMessage(10001, 10002, "c1", "升级以后的第一条消息", DateTimeOffset.UnixEpoch),
            m => [new EventDraft(m.RecipientId, new Protocol.MessageReceived(m.ToWire()))]);
        Assert.Equal(1, sent.Value.Message.Seq);
        Assert.Equal(1, await log.HeadAsync(10002));
        Assert.Equal("升级以后的第一条消息", Assert.Single(await messages.HistoryAsync(10002, 10001, long.MaxValue, 10)).Text);
    }
}
