using Microsoft.Data.Sqlite;
using Npgsql;
using Penguin.Core.Messaging;
using Penguin.Core.Outbox;
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
    private static string FirstScript(string engine) => Script(engine, "0001_initial.sql");

    private static string Script(string engine, string name) =>
        File.ReadAllText(Path.Combine(RepositoryRoot(), "src", $"Penguin.Storage.{engine}", "Migrations", name));

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

    /// <summary>
    /// Schema version 3 stored every event as JSON, counted event seqs in users.event_seq, indexed search by
    /// trigger and found delivered messages through an index on messages: its messages and logs come through
    /// the later migrations unchanged to every reader (byte for byte) and keep working.
    /// </summary>
    [Fact]
    public async Task Sqlite_VersionThreeDatabaseWithMessages_KeepsItsLogsAndMessagesWorking()
    {
        var path = Path.Combine(Path.GetTempPath(), "penguin-storage-tests", $"{Guid.NewGuid():N}.db");
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        var sentAt = DateTimeOffset.FromUnixTimeMilliseconds(DateTimeOffset.UtcNow.ToUnixTimeMilliseconds());
        MessageRecord Old(long id, string text) => new(id, 10001, 10002, id, $"c{id}", text, sentAt, null);
        byte[] Json(Protocol.DurableEvent e) => System.Text.Json.JsonSerializer.SerializeToUtf8Bytes<Protocol.ServerFrame>(e, Protocol.PenguinJson.Wire.ServerFrame);
        var first = Old(1, "旧消息一 hello");
        var second = Old(2, "旧消息二 world");
        var stored = new Dictionary<(long User, long Seq), byte[]>
        {
            [(10001, 1)] = Json(new Protocol.MessageReceived(first.ToWire()) { Seq = 1 }),
            [(10001, 2)] = Json(new Protocol.MessageReceived(second.ToWire()) { Seq = 2 }),
            [(10002, 1)] = Json(new Protocol.MessageReceived(first.ToWire()) { Seq = 1 }),
            [(10002, 2)] = Json(new Protocol.MessageReceived(second.ToWire()) { Seq = 2 }),
            [(10002, 3)] = Json(new Protocol.ConversationRead(10001, 1) { Seq = 3 }),
        };
        await using (var v3 = new SqliteConnection($"Data Source={path};Pooling=False"))
        {
            v3.Open();
            await using var cmd = v3.CreateCommand();
            cmd.CommandText = "CREATE TABLE schema_version (version INTEGER NOT NULL); INSERT INTO schema_version VALUES (1), (2), (3);"
                + FirstScript("Sqlite") + Script("Sqlite", "0002_messaging.sql") + Script("Sqlite", "0003_last_message_from_seq.sql")
                + VersionOneUsers("0") + $"""
                UPDATE users SET event_seq = 2 WHERE id = 10001;
                UPDATE users SET event_seq = 3 WHERE id = 10002;
                INSERT INTO conversations (user_lo, user_hi, last_seq, updated_at) VALUES (10001, 10002, 2, {sentAt.ToUnixTimeMilliseconds()});
                INSERT INTO dialogs (user_id, peer_id, conversation_id, delivered_seq, read_seq) VALUES (10001, 10002, 1, 2, 2), (10002, 10001, 1, 0, 1);
                INSERT INTO messages (conversation_id, seq, sender_id, recipient_id, client_id, body, sent_at, sender_event_seq, recipient_event_seq)
                VALUES (1, 1, 10001, 10002, 'c1', '{first.Text}', {sentAt.ToUnixTimeMilliseconds()}, 1, 1),
                       (1, 2, 10001, 10002, 'c2', '{second.Text}', {sentAt.ToUnixTimeMilliseconds()}, 2, 2);
                """;
            foreach (var ((user, seq), json) in stored)
                cmd.CommandText += $"INSERT INTO user_events (user_id, seq, payload) VALUES ({user}, {seq}, x'{Convert.ToHexString(json)}');";
            await cmd.ExecuteNonQueryAsync();
        }

        using var db = new SqliteDatabase(path);
        var log = new SqliteEventLog(db);
        var messages = new SqliteMessageStore(db);

        // Every stored event reads back exactly as the old version stored it, at its seq.
        foreach (var user in new long[] { 10001, 10002 })
            foreach (var e in await log.ReadAsync(user, 0, 10))
                Assert.Equal(stored[(user, e.Seq)], e.Json);
        Assert.Equal(3, (await log.ReadAsync(10002, 0, 10)).Count);
        Assert.Equal(3, await log.HeadAsync(10002));

        // Acknowledging the old messages delivers them; new events continue each log without a gap.
        var acked = await messages.AcknowledgeAsync(10002, 3, receipts => []);
        Assert.Equal([new Receipt(10002, 10001, 2, 1)], acked.Value);
        var reply = await messages.SendAsync(new NewMessage(10002, 10001, "r1", "新回复", sentAt),
            m => [new EventDraft(m.RecipientId, new Protocol.MessageReceived(m.ToWire())), new EventDraft(m.SenderId, new Protocol.MessageReceived(m.ToWire()))]);
        Assert.Equal(3, reply.Value.Message.Seq);
        Assert.Equal([(10001L, 3L), (10002L, 4L)], reply.Events.Select(e => (e.UserId, e.Seq)));

        // The old messages were indexed by the old trigger; recalling one takes it out of search.
        Assert.Equal([2L, 1L], (await messages.SearchAsync(10002, "旧消息", 10)).Select(m => m.Id));
        Assert.True((await messages.RecallAsync(10001, 2, sentAt, TimeSpan.FromMinutes(2), m => [])).IsOk);
        Assert.Equal([1L], (await messages.SearchAsync(10002, "旧消息", 10)).Select(m => m.Id));
        Assert.DoesNotContain("world", System.Text.Encoding.UTF8.GetString((await log.ReadAsync(10002, 1, 1))[0].Json), StringComparison.Ordinal);
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

    /// <summary>
    /// Schema version 3 stored a message's two events as copies of their wire JSON; version 4 refers to the message
    /// row instead, as the embedded engine does: the old logs read back byte for byte, and a recall reaches them.
    /// </summary>
    [PostgresFact]
    public async Task Postgres_VersionThreeDatabaseWithMessages_KeepsItsLogsAndMessagesWorking()
    {
        var connectionString = await postgres.CreateDatabaseAsync();
        var sentAt = DateTimeOffset.FromUnixTimeMilliseconds(DateTimeOffset.UtcNow.ToUnixTimeMilliseconds());
        MessageRecord Old(long id, string text) => new(id, 10001, 10002, id, $"c{id}", text, sentAt, null);
        byte[] Json(Protocol.DurableEvent e) => System.Text.Json.JsonSerializer.SerializeToUtf8Bytes<Protocol.ServerFrame>(e, Protocol.PenguinJson.Wire.ServerFrame);
        var first = Old(1, "旧消息一 hello");
        var second = Old(2, "旧消息二 world");
        var stored = new Dictionary<(long User, long Seq), byte[]>
        {
            [(10001, 1)] = Json(new Protocol.MessageReceived(first.ToWire()) { Seq = 1 }),
            [(10001, 2)] = Json(new Protocol.MessageReceived(second.ToWire()) { Seq = 2 }),
            [(10002, 1)] = Json(new Protocol.MessageReceived(first.ToWire()) { Seq = 1 }),
            [(10002, 2)] = Json(new Protocol.MessageReceived(second.ToWire()) { Seq = 2 }),
            [(10002, 3)] = Json(new Protocol.ConversationRead(10001, 1) { Seq = 3 }),
        };
        var at = $"'{sentAt.UtcDateTime:yyyy-MM-dd HH:mm:ss.fff}+00'::timestamptz";
        await using (var v3 = new NpgsqlConnection(connectionString))
        {
            await v3.OpenAsync();
            var sql = "CREATE TABLE schema_version (version integer NOT NULL); INSERT INTO schema_version VALUES (1), (2), (3);"
                + FirstScript("Postgres") + Script("Postgres", "0002_presence.sql") + Script("Postgres", "0003_messaging.sql")
                + VersionOneUsers("now()") + $"""
                UPDATE users SET event_seq = 2 WHERE id = 10001;
                UPDATE users SET event_seq = 3 WHERE id = 10002;
                INSERT INTO conversations (user_lo, user_hi, last_seq, last_message_id, updated_at) VALUES (10001, 10002, 2, 2, {at});
                INSERT INTO dialogs (user_id, peer_id, conversation_id, delivered_seq, read_seq) VALUES (10001, 10002, 1, 2, 2), (10002, 10001, 1, 0, 1);
                INSERT INTO messages (conversation_id, seq, sender_id, recipient_id, client_id, body, sent_at, sender_event_seq, recipient_event_seq)
                VALUES (1, 1, 10001, 10002, 'c1', '{first.Text}', {at}, 1, 1),
                       (1, 2, 10001, 10002, 'c2', '{second.Text}', {at}, 2, 2);
                """;
            foreach (var ((user, seq), json) in stored)
                sql += $"INSERT INTO user_events (user_id, seq, payload) VALUES ({user}, {seq}, '\\x{Convert.ToHexString(json)}'::bytea);";
            await using var cmd = new NpgsqlCommand(sql, v3);
            await cmd.ExecuteNonQueryAsync();
        }

        using var db = new PostgresDatabase(connectionString);
        var log = new PostgresEventLog(db);
        var messages = new PostgresMessageStore(db);

        // Every stored event reads back exactly as the old version stored it, at its seq.
        foreach (var user in new long[] { 10001, 10002 })
            foreach (var e in await log.ReadAsync(user, 0, 10))
                Assert.Equal(stored[(user, e.Seq)], e.Json);
        Assert.Equal(3, (await log.ReadAsync(10002, 0, 10)).Count);
        Assert.Equal(3, await log.HeadAsync(10002));

        // The old message events refer to their rows now: recalling one erases its text from both logs.
        Assert.True((await messages.RecallAsync(10001, 2, sentAt, TimeSpan.FromMinutes(2), m => [])).IsOk);
        Assert.DoesNotContain("world", System.Text.Encoding.UTF8.GetString((await log.ReadAsync(10002, 1, 1))[0].Json), StringComparison.Ordinal);
        Assert.DoesNotContain("world", System.Text.Encoding.UTF8.GetString((await log.ReadAsync(10001, 1, 1))[0].Json), StringComparison.Ordinal);

        // New events continue each log without a gap.
        var reply = await messages.SendAsync(new NewMessage(10002, 10001, "r1", "新回复", sentAt),
            m => [new EventDraft(m.RecipientId, new Protocol.MessageReceived(m.ToWire())), new EventDraft(m.SenderId, new Protocol.MessageReceived(m.ToWire()))]);
        Assert.Equal(3, reply.Value.Message.Seq);
        Assert.Equal([(10001L, 3L), (10002L, 4L)], reply.Events.Select(e => (e.UserId, e.Seq)));
    }

    /// <summary>Every script of an engine up to <paramref name="version"/>, and the schema_version rows saying so.</summary>
    private static string ScriptsUpTo(string engine, int version)
    {
        var files = Directory.GetFiles(Path.Combine(RepositoryRoot(), "src", $"Penguin.Storage.{engine}", "Migrations"), "*.sql")
            .Select(f => (Version: int.Parse(Path.GetFileName(f)[..4], System.Globalization.CultureInfo.InvariantCulture), File: f))
            .Where(f => f.Version <= version).OrderBy(f => f.Version).ToList();
        return $"CREATE TABLE schema_version (version {(engine == "Sqlite" ? "INTEGER" : "integer")} NOT NULL);"
            + string.Concat(files.Select(f => $"INSERT INTO schema_version VALUES ({f.Version});"))
            + string.Concat(files.Select(f => File.ReadAllText(f.File)));
    }

    /// <summary>What version 10 stored in the logs: each event's wire JSON of protocol v1, seq included.</summary>
    private static readonly Dictionary<long, byte[]> WireFormatEvents = new()
    {
        [1] = Wire(new Protocol.FriendRequested(new Protocol.FriendRequest(5, new Protocol.Profile(10001, "老用户", "penguin-01", "你好 \"hello\"",
            Protocol.Gender.Female, new DateOnly(1999, 2, 3), new Protocol.Region("广东", "深圳")), new Protocol.Profile(10002, "老朋友", "penguin-02"),
            "我是老用户", Protocol.FriendRequestState.Pending, new DateTimeOffset(2026, 11, 1, 8, 0, 0, 123, TimeSpan.Zero))) { Seq = 1 }),
        [2] = Wire(new Protocol.FriendAdded(new Protocol.Profile(10002, "老朋友", "penguin-02"), 1) { Seq = 2 }),
        [3] = Wire(new Protocol.BuddyGroupsChanged([new(1, "我的好友", 0, true), new(2, "同学 🐧", 1, false)]) { Seq = 3 }),
        [4] = Wire(new Protocol.SettingsUpdated(new Protocol.AccountSettings(Protocol.AddPolicy.Verify, true, false, true, false, true)) { Seq = 4 }),
        [5] = Wire(new Protocol.BlocksChanged([10003, 10004]) { Seq = 5 }),
        [6] = Wire(new Protocol.MessageReceipt(10002, 7, 6) { Seq = 6 }),
        [7] = Wire(new Protocol.MessageRecalled(10002, 42, 7) { Seq = 7 }),
    };

    private static byte[] Wire(Protocol.DurableEvent e) =>
        System.Text.Json.JsonSerializer.SerializeToUtf8Bytes<Protocol.ServerFrame>(e, Protocol.PenguinJson.Wire.ServerFrame);

    /// <summary>
    /// Version 10 stored events as their wire JSON; version 11 stores them in a format of their own. An old log is
    /// converted by the migration and reads back as the same wire JSON (what sync sends), byte for byte.
    /// </summary>
    [Fact]
    public async Task Sqlite_VersionTenLogOfWireJson_IsConvertedAndSyncsTheSameFrames()
    {
        var path = Path.Combine(Path.GetTempPath(), "penguin-storage-tests", $"{Guid.NewGuid():N}.db");
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        await using (var v10 = new SqliteConnection($"Data Source={path};Pooling=False"))
        {
            v10.Open();
            await using var cmd = v10.CreateCommand();
            cmd.CommandText = ScriptsUpTo("Sqlite", 10) + VersionOneUsers("0")
                + string.Concat(WireFormatEvents.Select(e => $"INSERT INTO user_events (user_id, seq, payload) VALUES (10001, {e.Key}, x'{Convert.ToHexString(e.Value)}');"));
            await cmd.ExecuteNonQueryAsync();
        }

        using (var db = new SqliteDatabase(path))
        {
            await AssertConvertedAsync(new SqliteAccountStore(db), new SqliteEventLog(db));
        }
        await using (var raw = new SqliteConnection($"Data Source={path};Pooling=False"))
        {
            raw.Open();
            await using var cmd = raw.CreateCommand();
            cmd.CommandText = "SELECT payload FROM user_events WHERE user_id = 10001 ORDER BY seq";
            await using var reader = await cmd.ExecuteReaderAsync();
            var payloads = new List<byte[]>();
            while (await reader.ReadAsync()) payloads.Add((byte[])reader.GetValue(0));
            AssertStoredFormat(payloads);
        }
        File.Delete(path);
    }

    [PostgresFact]
    public async Task Postgres_VersionTenLogOfWireJson_IsConvertedAndSyncsTheSameFrames()
    {
        var connectionString = await postgres.CreateDatabaseAsync();
        await using (var v10 = new NpgsqlConnection(connectionString))
        {
            await v10.OpenAsync();
            await using var cmd = new NpgsqlCommand(ScriptsUpTo("Postgres", 10) + VersionOneUsers("now()")
                + string.Concat(WireFormatEvents.Select(e => $"INSERT INTO user_events (user_id, seq, payload) VALUES (10001, {e.Key}, '\\x{Convert.ToHexString(e.Value)}'::bytea);"))
                + $"UPDATE users SET event_seq = {WireFormatEvents.Count} WHERE id = 10001;", v10);
            await cmd.ExecuteNonQueryAsync();
        }

        using (var db = new PostgresDatabase(connectionString))
        {
            await AssertConvertedAsync(new PostgresAccountStore(db), new PostgresEventLog(db));
        }
        await using (var raw = new NpgsqlConnection(connectionString))
        {
            await raw.OpenAsync();
            await using var cmd = new NpgsqlCommand("SELECT payload FROM user_events WHERE user_id = 10001 ORDER BY seq", raw);
            await using var reader = await cmd.ExecuteReaderAsync();
            var payloads = new List<byte[]>();
            while (await reader.ReadAsync()) payloads.Add(reader.GetFieldValue<byte[]>(0));
            AssertStoredFormat(payloads);
        }
    }

    private static async Task AssertConvertedAsync(Core.Accounts.IAccountStore accounts, IEventLog log)
    {
        // What sync serves from the converted log: the same frames, byte for byte, at the same seqs.
        var read = await log.ReadAsync(10001, 0, 100);
        Assert.Equal(WireFormatEvents.Keys, read.Select(e => e.Seq));
        foreach (var e in read) Assert.Equal(System.Text.Encoding.UTF8.GetString(WireFormatEvents[e.Seq]), System.Text.Encoding.UTF8.GetString(e.Json));
        Assert.Equal(WireFormatEvents.Count, await log.HeadAsync(10001));
        Assert.Equal([3L, 4L], (await log.ReadAsync(10001, 2, 2)).Select(e => e.Seq));

        // The log goes on from there in the new format.
        var user = (await accounts.GetUserAsync(10001))!;
        var profile = new Protocol.Profile(10001, "老用户", "penguin-01");
        var committed = await accounts.UpdateUserAsync(user, _ => [new EventDraft(10001, new Protocol.ProfileUpdated(profile))]);
        Assert.Equal(WireFormatEvents.Count + 1, Assert.Single(committed.Events).Seq);
        Assert.Equal(Convert.ToBase64String(committed.Events[0].Json),
            Convert.ToBase64String(Assert.Single(await log.ReadAsync(10001, WireFormatEvents.Count, 10)).Json));
    }

    /// <summary>Every row is in the stored format now, none is wire JSON.</summary>
    private static void AssertStoredFormat(List<byte[]> payloads)
    {
        Assert.Equal(WireFormatEvents.Count + 1, payloads.Count);
        foreach (var payload in payloads)
        {
            using var document = System.Text.Json.JsonDocument.Parse(payload);
            Assert.Equal(StoredEventJson.FormatVersion, document.RootElement.GetProperty("v").GetInt32());
            Assert.False(document.RootElement.TryGetProperty("type", out _));
            Assert.False(document.RootElement.GetProperty("data").TryGetProperty("seq", out _));
        }
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
