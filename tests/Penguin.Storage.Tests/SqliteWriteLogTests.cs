using Microsoft.Data.Sqlite;
using Penguin.Core.Accounts;
using Penguin.Core.Messaging;
using Penguin.Core.Outbox;
using Penguin.Protocol;
using Penguin.Storage.Sqlite;

namespace Penguin.Storage.Tests;

/// <summary>
/// Sends, acks and read cursors are durable through the write log before SQLite commits them: a crash with them
/// acknowledged but not committed (the database files copied as they are on disk at that moment) loses none of
/// them, and they come back with the same ids and seqs, so what was published stays true.
/// </summary>
public sealed class SqliteWriteLogTests : IDisposable
{
    private static readonly DateTimeOffset Now = new(2026, 12, 2, 16, 0, 0, TimeSpan.Zero);
    private readonly string _directory = Path.Combine(Path.GetTempPath(), "penguin-storage-tests", Guid.NewGuid().ToString("N"));

    [Fact]
    public async Task AcknowledgedButUncommittedWrites_AfterACrash_AreReplayedFromTheLog_WithTheirIdsAndSeqs()
    {
        Directory.CreateDirectory(_directory);
        var path = Path.Combine(_directory, "live.db");
        var crashed = Path.Combine(_directory, "crashed.db");
        MessageRecord[] sent;
        IReadOnlyList<Receipt> receipts;
        using (var db = new SqliteDatabase(path, null, Timeout.InfiniteTimeSpan))
        {
            var accounts = new SqliteAccountStore(db);
            var messages = new SqliteMessageStore(db);
            var alice = await accounts.CreateUserAsync(new NewUser("alice", "hash", "penguin-01", Now), "我的好友");
            var bob = await accounts.CreateUserAsync(new NewUser("bob", "hash", "penguin-01", Now), "我的好友");
            sent = [.. await Task.WhenAll(Enumerable.Range(1, 3).Select(async i =>
                (await messages.SendAsync(new NewMessage(alice, bob, $"c-{i}", $"第{i}条 message", Now), MessageEvents)).Value.Message))];
            receipts = (await messages.AcknowledgeAsync(bob, long.MaxValue, r => [])).Value;

            // Acknowledged, yet not in SQLite: only the log holds them.
            Assert.Equal(0, await db.ReadUnloggedAsync(c => c.Scalar(null, "SELECT COUNT(*) FROM messages")));
            foreach (var suffix in new[] { "", "-wal", "-log" }) File.Copy(path + suffix, crashed + suffix);
        }
        // A record torn by the crash (never acknowledged) is dropped.
        await File.AppendAllBytesAsync(crashed + "-log", [40, 0, 0, 0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);

        using (var db = new SqliteDatabase(crashed))
        {
            var messages = new SqliteMessageStore(db);
            var events = new SqliteEventLog(db);
            var (alice, bob) = (sent[0].SenderId, sent[0].RecipientId);
            var history = await messages.HistoryAsync(bob, alice, long.MaxValue, 10);
            Assert.Equal(sent.OrderByDescending(m => m.Seq), history);
            Assert.Equal([1L, 2L, 3L], sent.Select(m => m.Seq).Order());
            Assert.Equal(new Receipt(bob, alice, 3, 0), Assert.Single(receipts));
            var conversation = Assert.Single(await messages.ListConversationsAsync(alice, 10));
            Assert.Equal((3L, 3L), (conversation.PeerDeliveredSeq, conversation.LastSeq));
            Assert.Equal([1L, 2L, 3L], (await events.ReadAsync(bob, 0, 10)).Select(e => e.Seq));
            // Nothing replayed twice, and the next send follows on.
            var next = (await messages.SendAsync(new NewMessage(alice, bob, "c-4", "第4条", Now), MessageEvents)).Value;
            Assert.False(next.Duplicate);
            Assert.Equal(4, next.Message.Seq);
            Assert.Equal(4, await events.HeadAsync(alice));
        }

        // Replayed once: a second start finds nothing more to do.
        using (var db = new SqliteDatabase(crashed))
        {
            Assert.Equal(4, (await new SqliteMessageStore(db).HistoryAsync(sent[0].RecipientId, sent[0].SenderId, long.MaxValue, 10)).Count);
        }
    }

    private static IEnumerable<EventDraft> MessageEvents(MessageRecord m)
    {
        var received = new MessageReceived(m.ToWire());
        return [new EventDraft(m.RecipientId, received), new EventDraft(m.SenderId, received)];
    }

    public void Dispose()
    {
        SqliteConnection.ClearAllPools();
        if (Directory.Exists(_directory)) Directory.Delete(_directory, recursive: true);
    }
}
