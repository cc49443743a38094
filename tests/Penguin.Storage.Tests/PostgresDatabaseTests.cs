using Npgsql;
using Penguin.Core.Accounts;
using Penguin.Core.Messaging;
using Penguin.Core.Outbox;
using Penguin.Protocol;
using Penguin.Storage.Postgres;
using Penguin.Storage.Tests.Engines;

namespace Penguin.Storage.Tests;

/// <summary>What only the PostgreSQL engine has to get right: several nodes sharing one database.</summary>
public sealed class PostgresDatabaseTests(PostgresEngine engine) : IClassFixture<PostgresEngine>
{
    [Fact]
    public void Tune_ConnectionStringWithoutThem_GetsPreparedStatementsAndTheBoundedPool()
    {
        var tuned = new NpgsqlConnectionStringBuilder(PostgresDatabase.Tune("Host=db1;Username=penguin;Database=penguin", 12));
        Assert.Equal((PostgresDatabase.DefaultMaxAutoPrepare, 12, true), (tuned.MaxAutoPrepare, tuned.MaxPoolSize, tuned.NoResetOnClose));
        Assert.Equal(PostgresDatabase.DefaultMaxPoolSize, new NpgsqlConnectionStringBuilder(PostgresDatabase.Tune("Host=db1")).MaxPoolSize);
    }

    [Fact]
    public void Tune_ConnectionStringThatSetsThem_Wins()
    {
        var tuned = new NpgsqlConnectionStringBuilder(PostgresDatabase.Tune("Host=db1;Maximum Pool Size=5;Max Auto Prepare=0;No Reset On Close=false", 40));
        Assert.Equal((0, 5, false), (tuned.MaxAutoPrepare, tuned.MaxPoolSize, tuned.NoResetOnClose));
        Assert.Equal(7, new NpgsqlConnectionStringBuilder(PostgresDatabase.Tune("host=db1;maximum pool size=7", 40)).MaxPoolSize);
    }

    [PostgresFact]
    public async Task Open_SeveralNodesStartAtOnce_MigrateExactlyOnce()
    {
        var connectionString = await engine.CreateDatabaseAsync();

        var nodes = await Task.WhenAll(Enumerable.Range(0, 4).Select(_ => Task.Run(() => new PostgresDatabase(connectionString))));
        try
        {
            var latest = nodes.Max(n => n.SchemaVersion);
            Assert.True(latest >= 1);
            Assert.All(nodes, n => Assert.Equal(latest, n.SchemaVersion));
            await using var connection = new NpgsqlConnection(connectionString);
            await connection.OpenAsync();
            // Versions need not be contiguous (another branch may own a number): each applied once, the latest last.
            await using var cmd = new NpgsqlCommand("SELECT COUNT(*) = COUNT(DISTINCT version) AND MAX(version) = @n FROM schema_version", connection);
            cmd.Parameters.AddWithValue("n", latest);
            Assert.True((bool)(await cmd.ExecuteScalarAsync())!);
        }
        finally
        {
            foreach (var node in nodes) node.Dispose();
        }
    }

    [PostgresFact]
    public async Task Open_DatabaseAlreadyAtAHigherVersion_StillAppliesTheScriptsItLacks()
    {
        // As after merging a branch whose migration number is lower than one the database already ran.
        var connectionString = await engine.CreateDatabaseAsync();
        await using (var connection = new NpgsqlConnection(connectionString))
        {
            await connection.OpenAsync();
            await using var cmd = new NpgsqlCommand("CREATE TABLE schema_version (version integer NOT NULL); INSERT INTO schema_version VALUES (9999)", connection);
            await cmd.ExecuteNonQueryAsync();
        }

        using var db = new PostgresDatabase(connectionString);

        Assert.Equal(9999, db.SchemaVersion);
        await using var check = new NpgsqlConnection(connectionString);
        await check.OpenAsync();
        await using var query = new NpgsqlCommand(
            "SELECT (SELECT COUNT(*) FROM schema_version WHERE version < 9999) >= 2 AND to_regclass('messages') IS NOT NULL AND to_regclass('users') IS NOT NULL",
            check);
        Assert.True((bool)(await query.ExecuteScalarAsync())!);
    }

    [PostgresFact]
    public async Task IsHealthy_DatabaseReachable_TrueAndGone_False()
    {
        var connectionString = await engine.CreateDatabaseAsync();
        using var db = new PostgresDatabase(connectionString);
        Assert.True(await db.IsHealthyAsync());

        await engine.DropDatabaseAsync(connectionString);

        Assert.False(await db.IsHealthyAsync());
    }

    [PostgresFact]
    public async Task Open_SameDatabaseAgain_FindsTheSchemaCurrent()
    {
        var connectionString = await engine.CreateDatabaseAsync();
        using var first = new PostgresDatabase(connectionString);
        using var second = new PostgresDatabase(connectionString);

        Assert.Equal(first.SchemaVersion, second.SchemaVersion);
        Assert.True(await second.IsHealthyAsync());
    }

    [PostgresFact]
    public async Task Send_ManyAtOnce_EachKeepsItsOwnOutcomeInTheGroupCommit()
    {
        // Enough at once that the node gathers them into batches (migration 0072): a send to a user who does not
        // exist and a client id sent twice sit in the batches with good sends.
        using var db = new PostgresDatabase(await engine.CreateDatabaseAsync());
        var accounts = new PostgresAccountStore(db);
        var messages = new PostgresMessageStore(db);
        var events = new PostgresEventLog(db);
        var users = new long[20];
        for (var i = 0; i < users.Length; i++) users[i] = await accounts.CreateUserAsync(new NewUser($"企鹅{i}", "hash", "penguin-01", Now), "我的好友");
        var alice = users[0];

        var sends = Enumerable.Range(0, 60).Select(i => Task.Run(async () =>
            await messages.SendAsync(new NewMessage(users[i % 10], users[10 + i % 10], $"c-{i}", $"第{i}条", Now), MessageEvents))).ToList();
        var unknown = Task.Run(async () => await messages.SendAsync(new NewMessage(alice, 999_999_999, "to-nobody", "没人", Now), MessageEvents));
        var twice = Enumerable.Range(0, 2).Select(_ => Task.Run(async () =>
            await messages.SendAsync(new NewMessage(alice, users[19], "retried", "重发", Now), MessageEvents))).ToList();

        await Assert.ThrowsAnyAsync<Exception>(() => unknown);
        var sent = await Task.WhenAll(sends);
        var retried = await Task.WhenAll(twice);

        Assert.All(sent, c => Assert.False(c.Value.Duplicate));
        Assert.Equal(1, retried.Count(c => !c.Value.Duplicate));
        Assert.Equal(retried[0].Value.Message.Id, retried[1].Value.Message.Id);
        // Each pair's conversation counts 1..6 without a gap, and each log holds exactly its committed events.
        foreach (var pair in sent.GroupBy(c => (c.Value.Message.SenderId, c.Value.Message.RecipientId)))
            Assert.Equal(Enumerable.Range(1, 6).Select(i => (long)i), pair.Select(c => c.Value.Message.Seq).Order());
        var committed = sent.Concat(retried).SelectMany(c => c.Events).ToList();
        foreach (var user in users)
        {
            var log = await events.ReadAsync(user, 0, 100);
            Assert.Equal(committed.Where(e => e.UserId == user).Select(e => e.Seq).Order(), log.Select(e => e.Seq));
            Assert.Equal(Enumerable.Range(1, log.Count).Select(i => (long)i), log.Select(e => e.Seq));
        }

        // Every recipient acknowledges at once: the acks go in one call, each sender gets its own receipt.
        var acked = await Task.WhenAll(users[10..].Select(u => messages.AcknowledgeAsync(u, long.MaxValue, ReceiptEvents).AsTask()));
        for (var i = 0; i < 9; i++)
            Assert.Equal([new Receipt(users[10 + i], users[i], 6, 0)], acked[i].Value);
        Assert.Equal([users[0], users[9]], acked[9].Value.Select(r => r.PeerId).Order());
        Assert.All(acked.SelectMany(a => a.Events), e => Assert.IsType<MessageReceipt>(e.Event));
    }

    [PostgresFact]
    public async Task Send_ABurstOfOrdinarySends_IsNumberedAsOneByOneAndStoredAsSent()
    {
        // Once every pair has its conversation, a batch of ordinary sends is written with one statement per table
        // (migration 0074): users who send and receive in the same batch, several messages of one conversation in one
        // batch. The numbers must be the ones sends one by one give, and every row must hold what was sent. A new pair's
        // messages in the same batches go one by one (its first creates the conversation), in their order too.
        using var db = new PostgresDatabase(await engine.CreateDatabaseAsync());
        var accounts = new PostgresAccountStore(db);
        var messages = new PostgresMessageStore(db);
        var events = new PostgresEventLog(db);
        var users = new long[6];
        for (var i = 0; i < users.Length; i++) users[i] = await accounts.CreateUserAsync(new NewUser($"企鹅{i}", "hash", "penguin-01", Now), "我的好友");
        var (newcomer, greeted) = (await accounts.CreateUserAsync(new NewUser("新人", "hash", "penguin-01", Now), "我的好友"),
            await accounts.CreateUserAsync(new NewUser("老友", "hash", "penguin-01", Now), "我的好友"));
        var pairs = Enumerable.Range(0, users.Length)
            .SelectMany(i => new[] { (From: users[i], To: users[(i + 1) % users.Length]), (From: users[(i + 1) % users.Length], To: users[i]) }).ToArray();
        foreach (var (from, to) in pairs) await messages.SendAsync(new NewMessage(from, to, $"first-{from}-{to}", "你好", Now), MessageEvents);

        var newPair = Enumerable.Range(0, 20).Select(i => Task.Run(async () =>
            await messages.SendAsync(new NewMessage(newcomer, greeted, $"new-{i}", "初次见面", Now), MessageEvents))).ToList();
        var burst = await Task.WhenAll(Enumerable.Range(0, 240).Select(i => Task.Run(async () =>
            await messages.SendAsync(new NewMessage(pairs[i % pairs.Length].From, pairs[i % pairs.Length].To, $"burst-{i}", $"第{i}条 <&>", Now), MessageEvents))));
        Assert.Equal(Enumerable.Range(1, 20).Select(i => (long)i), (await Task.WhenAll(newPair)).Select(c => c.Value.Message).OrderBy(m => m.Id).Select(m => m.Seq));

        Assert.All(burst, c => Assert.False(c.Value.Duplicate));
        // Each conversation: seqs 3.. (after the two first messages) without a gap, in the order of the message ids.
        foreach (var conversation in burst.Select(c => c.Value.Message).GroupBy(m => (Math.Min(m.SenderId, m.RecipientId), Math.Max(m.SenderId, m.RecipientId))))
            Assert.Equal(Enumerable.Range(3, 40).Select(i => (long)i), conversation.OrderBy(m => m.Id).Select(m => m.Seq));
        // Each log: 1..84 without a gap (4 first messages and 80 of the burst per user); each event the burst committed
        // names its own message, read back from the database as it was sent.
        var sentBy = burst.Select(c => c.Value.Message).ToDictionary(m => m.Id);
        var committed = burst.SelectMany(c => c.Events).ToList();
        foreach (var user in users)
        {
            var log = await events.ReadAsync(user, 0, 1000);
            Assert.Equal(Enumerable.Range(1, 84).Select(i => (long)i), log.Select(e => e.Seq));
            var stored = log.ToDictionary(e => e.Seq, e => ((MessageReceived)e.Event).Message);
            var mine = committed.Where(e => e.UserId == user).ToList();
            Assert.Equal(80, mine.Count);
            foreach (var e in mine)
            {
                var message = stored[e.Seq];
                var sent = sentBy[message.Id];
                Assert.Equal(((MessageReceived)e.Event).Message.Id, message.Id);
                Assert.Equal((sent.SenderId, sent.RecipientId, sent.Seq, sent.ClientId, $"第{sent.ClientId[6..]}条 <&>"),
                    (message.From, message.To, message.Seq, message.ClientId, message.Text));
            }
        }
    }

    [PostgresFact]
    public async Task SendIfAccepted_ManyAtOnce_EachIsCheckedInsideTheGroupCommit()
    {
        // Friends, strangers and a user who does not exist in the same batches (migration 0073): each send gets its own
        // answer from inside the one call, a refusal fails no other send, and nothing refused is stored.
        using var db = new PostgresDatabase(await engine.CreateDatabaseAsync());
        var accounts = new PostgresAccountStore(db);
        var social = new PostgresSocialStore(db);
        var messages = new PostgresMessageStore(db);
        var events = new PostgresEventLog(db);
        var users = new long[20];
        for (var i = 0; i < users.Length; i++) users[i] = await accounts.CreateUserAsync(new NewUser($"企鹅{i}", "hash", "penguin-01", Now), "我的好友");
        for (var i = 0; i < 5; i++)
        {
            var group = (await social.GetGroupsAsync(users[i])).Single(g => g.IsDefault).Id;
            await social.AddFriendsAsync(users[i], users[10 + i], "hi", group, Now, _ => []);
        }

        // users[i] → users[10 + i]: friends for i < 5, strangers for 5 ≤ i < 10.
        var sends = Enumerable.Range(0, 60).Select(i => Task.Run(async () =>
            (Pair: i % 10, Outcome: await messages.SendIfAcceptedAsync(new NewMessage(users[i % 10], users[10 + i % 10], $"c-{i}", $"第{i}条", Now), MessageEvents)))).ToList();
        var unknown = Task.Run(async () => await messages.SendIfAcceptedAsync(new NewMessage(users[0], 999_999_999, "to-nobody", "没人", Now), MessageEvents));
        var outcomes = await Task.WhenAll(sends);

        Assert.Equal(Errors.NotFound.Code, (await unknown).Error?.Code);
        Assert.All(outcomes.Where(o => o.Pair < 5), o => Assert.False(o.Outcome.Value.Value.Duplicate));
        Assert.All(outcomes.Where(o => o.Pair >= 5), o => Assert.Equal(Errors.MessageRefused.Code, o.Outcome.Error?.Code));
        for (var i = 0; i < 10; i++)
        {
            Assert.Equal(i < 5 ? 6 : 0, (await messages.HistoryAsync(users[10 + i], users[i], long.MaxValue, 100)).Count);
            Assert.Equal(i < 5 ? 6 : 0, await events.HeadAsync(users[10 + i]));
        }
    }

    [PostgresFact]
    public async Task Acknowledge_ManyAtOnce_IsAsOneByOne_WithEachSendersReceiptsGaplessInItsLog()
    {
        // One call for the batch (penguin_acknowledge_many): a hub writes to eight readers and hears from eight writers,
        // then the hub and the readers acknowledge at once — in one batch the hub both acknowledges (a receipt to each
        // writer) and receives eight receipts (one from each reader).
        using var db = new PostgresDatabase(await engine.CreateDatabaseAsync());
        var accounts = new PostgresAccountStore(db);
        var messages = new PostgresMessageStore(db);
        var events = new PostgresEventLog(db);
        var hub = await accounts.CreateUserAsync(new NewUser("中心", "hash", "penguin-01", Now), "我的好友");
        var (readers, writers) = (new long[8], new long[8]);
        for (var i = 0; i < 8; i++)
        {
            readers[i] = await accounts.CreateUserAsync(new NewUser($"读者{i}", "hash", "penguin-01", Now), "我的好友");
            writers[i] = await accounts.CreateUserAsync(new NewUser($"作者{i}", "hash", "penguin-01", Now), "我的好友");
            for (var n = 0; n < 3; n++) await messages.SendAsync(new NewMessage(hub, readers[i], $"out-{i}-{n}", "你好", Now), MessageEvents);
            for (var n = 0; n < 2; n++) await messages.SendAsync(new NewMessage(writers[i], hub, $"in-{i}-{n}", "收到", Now), MessageEvents);
        }
        long[] everyone = [hub, .. readers, .. writers];
        var headsBefore = await Task.WhenAll(everyone.Select(u => events.HeadAsync(u).AsTask()));

        var acked = await Task.WhenAll(readers.Prepend(hub).Select(u => messages.AcknowledgeAsync(u, long.MaxValue, ReceiptEvents).AsTask()));

        // What one by one gives: each acknowledging user's dialog moves to the last message from each peer in its range.
        Assert.Equal(writers.Select(w => new Receipt(hub, w, 2, 0)).OrderBy(r => r.PeerId), acked[0].Value.OrderBy(r => r.PeerId));
        for (var i = 0; i < 8; i++) Assert.Equal([new Receipt(readers[i], hub, 3, 0)], acked[i + 1].Value);
        // Each receipt event stands in its sender's log at the seq the call returned, every log without a gap.
        var committed = acked.SelectMany(a => a.Events).ToList();
        Assert.Equal(16, committed.Count);
        foreach (var (user, before) in everyone.Zip(headsBefore))
        {
            var log = await events.ReadAsync(user, 0, 1000);
            Assert.Equal(Enumerable.Range(1, log.Count).Select(i => (long)i), log.Select(e => e.Seq));
            var receipts = log.Where(e => e.Seq > before).ToList();
            Assert.Equal(committed.Where(e => e.UserId == user).Select(e => e.Seq).Order(), receipts.Select(e => e.Seq));
            Assert.All(receipts, e => Assert.Equal(user == hub ? 3 : 2, Assert.IsType<MessageReceipt>(e.Event).DeliveredSeq));
            Assert.Equal(user == hub ? readers.Order() : readers.Contains(user) ? [] : [hub], receipts.Select(e => ((MessageReceipt)e.Event).Peer).Order());
        }
        // Acknowledged again: nothing moves, nothing is written.
        var headsAfter = await Task.WhenAll(everyone.Select(u => events.HeadAsync(u).AsTask()));
        var again = await Task.WhenAll(readers.Prepend(hub).Select(u => messages.AcknowledgeAsync(u, long.MaxValue, ReceiptEvents).AsTask()));
        Assert.All(again, a => Assert.Empty(a.Value));
        Assert.Equal(headsAfter, await Task.WhenAll(everyone.Select(u => events.HeadAsync(u).AsTask())));
    }

    private static readonly DateTimeOffset Now = new(2026, 12, 2, 8, 30, 15, 123, TimeSpan.Zero);

    private static IEnumerable<EventDraft> MessageEvents(MessageRecord m)
    {
        var received = new MessageReceived(m.ToWire());
        return [new EventDraft(m.RecipientId, received), new EventDraft(m.SenderId, received)];
    }

    private static IEnumerable<EventDraft> ReceiptEvents(IReadOnlyList<Receipt> receipts) =>
        receipts.Select(r => new EventDraft(r.PeerId, new MessageReceipt(r.ReaderId, r.DeliveredSeq, r.ReadSeq)));
}
