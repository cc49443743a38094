using Microsoft.Extensions.Logging;
using Microsoft.Data.Sqlite;
using Penguin.Core.Common;
using Penguin.Core.Messaging;
using Penguin.Core.Outbox;
using Penguin.Protocol;

namespace Penguin.Storage.Sqlite;

public sealed partial class SqliteMessageStore(SqliteDatabase db, ILogger<SqliteMessageStore>? logger = null) : IMessageStore
{
    // Sends between two background runs of the search indexer (a search also indexes what is pending first).
    private const int IndexEvery = 1000;
    private const int IndexBatchMax = 20_000;
    private int _sendsSinceIndexing;

    internal const string MessageColumns = "m.id, m.sender_id, m.recipient_id, m.seq, m.client_id, m.body, m.sent_at, m.recalled_at, m.attachment";

    public async ValueTask<Committed<SendOutcome>> SendAsync(NewMessage message, EventsFor<MessageRecord> events, CancellationToken cancellationToken = default) =>
        (await SendAsync(message, events, ifAccepted: false, cancellationToken)).Value;

    public ValueTask<Result<Committed<SendOutcome>>> SendIfAcceptedAsync(NewMessage message, EventsFor<MessageRecord> events, CancellationToken cancellationToken = default) =>
        SendAsync(message, events, ifAccepted: true, cancellationToken);

    private ValueTask<Result<Committed<SendOutcome>>> SendAsync(NewMessage message, EventsFor<MessageRecord> events, bool ifAccepted, CancellationToken cancellationToken)
    {
        if (Interlocked.Increment(ref _sendsSinceIndexing) % IndexEvery == 0) _ = IndexInBackgroundAsync();
        return db.WriteAsync<Result<Committed<SendOutcome>>>((c, tx) =>
        {
            // In the writer, so nothing can change between the check and the write. A retry is answered even if now refused.
            if (ifAccepted && Refusal(c, tx, message.SenderId, message.RecipientId) is { } refused)
            {
                if (FindSent(c, tx, message.SenderId, message.ClientId) is not { } earlier) return refused;
                return new Committed<SendOutcome>(new SendOutcome(earlier, Duplicate: true), []);
            }
            // Usually one statement: the conversation's next seq, unless the client id was used already (a retry)
            // or the conversation does not exist yet. The trigger messages_advance moves the conversation's
            // last seq and the sender's read cursor.
            var (lo, hi) = message.SenderId < message.RecipientId ? (message.SenderId, message.RecipientId) : (message.RecipientId, message.SenderId);
            (string, object?)[] values = [("$lo", lo), ("$hi", hi), ("$s", message.SenderId), ("$r", message.RecipientId),
                ("$c", message.ClientId), ("$b", message.Text), ("$t", message.SentAt.ToUnixMs()),
                ("$a", AttachmentJson.Write(message.Attachment)), ("$f", message.Attachment?.FileId)];
            const string insert = """
                INSERT INTO messages (conversation_id, seq, sender_id, recipient_id, client_id, body, sent_at, attachment, file_id)
                SELECT id, last_seq + 1, $s, $r, $c, $b, $t, $a, $f FROM conversations WHERE user_lo = $lo AND user_hi = $hi
                ON CONFLICT DO NOTHING
                RETURNING id, seq
                """;
            var inserted = c.Query(tx, insert, r => (Id: r.GetInt64(0), Seq: r.GetInt64(1)), values);
            if (inserted.Count == 0)
            {
                var existing = FindSent(c, tx, message.SenderId, message.ClientId);
                if (existing is not null) return new Committed<SendOutcome>(new SendOutcome(existing, Duplicate: true), []);
                StartConversation(c, tx, lo, hi, message.SentAt);
                inserted = c.Query(tx, insert, r => (Id: r.GetInt64(0), Seq: r.GetInt64(1)), values);
            }
            var (id, seq) = inserted[0];

            var record = new MessageRecord(id, message.SenderId, message.RecipientId, seq, message.ClientId, message.Text, message.SentAt, null, message.Attachment);
            var committed = SqliteOutbox.Append(db.EventHeads, c, tx, events(record));
            return new Committed<SendOutcome>(new SendOutcome(record, Duplicate: false), committed);
        }, cancellationToken);
    }

    /// <summary>
    /// Indexes what is pending, for no request (not cancelled with the send that started it). A failure is logged; it
    /// costs nothing lasting, since every search first indexes what is pending.
    /// </summary>
    private async Task IndexInBackgroundAsync()
    {
        try
        {
            await IndexPendingAsync(CancellationToken.None);
        }
        catch (StorageUnavailableException)
        {
            // An outage: the next run or search indexes these.
        }
        catch (Exception e)
        {
            if (logger is not null) LogIndexingFailed(logger, e);
        }
    }

    [LoggerMessage(EventId = 4091, Level = LogLevel.Error, Message = "Indexing sent messages for search failed; the next search indexes them")]
    private static partial void LogIndexingFailed(ILogger logger, Exception e);

    public ValueTask<Error?> RefusalAsync(long senderId, long recipientId, CancellationToken cancellationToken = default) =>
        db.ReadAsync(c => Refusal(c, null, senderId, recipientId), cancellationToken);

    /// <summary>The rule of <see cref="IMessageStore.RefusalAsync"/> in one statement: 1 no such user, 2 refused, 0 accepted.</summary>
    private static Error? Refusal(SqliteConnection c, SqliteTransaction? tx, long senderId, long recipientId) =>
        c.Scalar(tx, """
            SELECT CASE
                WHEN u.id IS NULL THEN 1
                WHEN EXISTS (SELECT 1 FROM blocks b WHERE (b.user_id = $s AND b.blocked_id = $r) OR (b.user_id = $r AND b.blocked_id = $s)) THEN 2
                WHEN u.allow_stranger_messages OR EXISTS (SELECT 1 FROM friendships f WHERE f.user_id = $s AND f.friend_id = $r) THEN 0
                WHEN EXISTS (SELECT 1 FROM messages m JOIN conversations c ON c.id = m.conversation_id
                             WHERE c.user_lo = MIN($s, $r) AND c.user_hi = MAX($s, $r) AND m.sender_id = $r AND m.recalled_at IS NULL) THEN 0
                ELSE 2 END
            FROM (SELECT 1) LEFT JOIN users u ON u.id = $r AND u.deleted_at IS NULL
            """, ("$s", senderId), ("$r", recipientId)) switch
        {
            1 => Errors.NotFound,
            2 => Errors.MessageRefused,
            _ => null,
        };

    public ValueTask<MessageRecord?> FindSentAsync(long senderId, string clientId, CancellationToken cancellationToken = default) =>
        db.ReadAsync(c => FindSent(c, null, senderId, clientId), cancellationToken);

    private static MessageRecord? FindSent(SqliteConnection c, SqliteTransaction? tx, long senderId, string clientId) =>
        c.QuerySingle(tx, $"SELECT {MessageColumns} FROM messages m WHERE m.sender_id = $s AND m.client_id = $c",
            ReadMessage, ("$s", senderId), ("$c", clientId));

    public ValueTask<Committed<IReadOnlyList<Receipt>>> AcknowledgeAsync(long userId, long eventSeq, EventsFor<IReadOnlyList<Receipt>> events, CancellationToken cancellationToken = default) =>
        db.WriteAsync((c, tx) =>
        {
            var acked = c.Query(tx, "SELECT acked_seq FROM users WHERE id = $u", r => r.GetInt64(0), ("$u", userId));
            if (acked.Count == 0) return new Committed<IReadOnlyList<Receipt>>([], []);
            var upTo = Math.Min(eventSeq, db.EventHeads.Peek(c, tx, userId));
            if (upTo <= acked[0]) return new Committed<IReadOnlyList<Receipt>>([], []);
            c.Execute(tx, "UPDATE users SET acked_seq = $s WHERE id = $u", ("$s", upTo), ("$u", userId));
            // The messages now delivered are in the acknowledged stretch of the user's own log.
            var reached = c.Query(tx, """
                SELECT m.sender_id, MAX(m.seq) FROM user_events e JOIN messages m ON m.id = e.message_id
                WHERE e.user_id = $u AND e.seq > $from AND e.seq <= $to AND m.recipient_id = $u
                GROUP BY m.sender_id
                """, r => (Peer: r.GetInt64(0), Seq: r.GetInt64(1)), ("$u", userId), ("$from", acked[0]), ("$to", upTo));
            var receipts = new List<Receipt>();
            foreach (var (peer, seq) in reached)
            {
                var moved = c.QuerySingle(tx, """
                    UPDATE dialogs SET delivered_seq = $seq WHERE user_id = $u AND peer_id = $p AND delivered_seq < $seq
                    RETURNING delivered_seq, read_seq
                    """, r => new Receipt(userId, peer, r.GetInt64(0), r.GetInt64(1)), ("$seq", seq), ("$u", userId), ("$p", peer));
                if (moved is not null) receipts.Add(moved);
            }
            return SqliteOutbox.Commit<IReadOnlyList<Receipt>>(db.EventHeads, c, tx, receipts, events);
        }, cancellationToken);

    public ValueTask<Committed<Receipt?>> MarkReadAsync(long userId, long peerId, long seq, EventsFor<Receipt?> events, CancellationToken cancellationToken = default) =>
        db.WriteAsync((c, tx) =>
        {
            var moved = c.QuerySingle(tx, """
                UPDATE dialogs
                SET read_seq = MIN($seq, (SELECT last_seq FROM conversations WHERE id = dialogs.conversation_id)),
                    delivered_seq = MAX(delivered_seq, MIN($seq, (SELECT last_seq FROM conversations WHERE id = dialogs.conversation_id)))
                WHERE user_id = $u AND peer_id = $p AND read_seq < $seq
                  AND read_seq < (SELECT last_seq FROM conversations WHERE id = dialogs.conversation_id)
                RETURNING delivered_seq, read_seq
                """, r => new Receipt(userId, peerId, r.GetInt64(0), r.GetInt64(1)), ("$seq", seq), ("$u", userId), ("$p", peerId));
            return SqliteOutbox.Commit(db.EventHeads, c, tx, moved, events);
        }, cancellationToken);

    public ValueTask<Result<Committed<MessageRecord>>> RecallAsync(long userId, long messageId, DateTimeOffset now, TimeSpan window,
        EventsFor<MessageRecord> events, CancellationToken cancellationToken = default) =>
        db.WriteAsync<Result<Committed<MessageRecord>>>((c, tx) =>
        {
            var message = c.QuerySingle(tx, $"SELECT {MessageColumns} FROM messages m WHERE m.id = $id", ReadMessage, ("$id", messageId));
            // Only the sender may recall; to anyone else the message does not exist.
            if (message is null || message.SenderId != userId) return Errors.NotFound;
            if (message.RecalledAt is not null) return Errors.RequestClosed.With("The message was already recalled.", "该消息已撤回。");
            if (now - message.SentAt > window) return Errors.RecallExpired;

            // The stored message events are built from this row when read (see SqliteEventLog), so erasing the
            // text here erases it from them too.
            c.Execute(tx, "UPDATE messages SET body = NULL, attachment = NULL, file_id = NULL, recalled_at = $t WHERE id = $id", ("$t", now.ToUnixMs()), ("$id", messageId));
            var recalled = message with { Text = null, RecalledAt = now, Attachment = null };
            return SqliteOutbox.Commit(db.EventHeads, c, tx, recalled, events);
        }, cancellationToken);

    public ValueTask<Result<Committed<MessageRecord>>> DeleteForUserAsync(long userId, long messageId, EventsFor<MessageRecord> events, CancellationToken cancellationToken = default) =>
        db.WriteAsync<Result<Committed<MessageRecord>>>((c, tx) =>
        {
            var message = c.QuerySingle(tx, $"SELECT {MessageColumns} FROM messages m WHERE m.id = $id AND (m.sender_id = $u OR m.recipient_id = $u)",
                ReadMessage, ("$id", messageId), ("$u", userId));
            if (message is null) return Errors.NotFound;
            if (c.Execute(tx, "INSERT OR IGNORE INTO hidden_messages (user_id, message_id) VALUES ($u, $id)", ("$u", userId), ("$id", messageId)) == 0)
                return Errors.NotFound;
            return SqliteOutbox.Commit(db.EventHeads, c, tx, message, events);
        }, cancellationToken);

    public ValueTask<bool> MaySeeFileAsync(long userId, string fileId, CancellationToken cancellationToken = default) =>
        db.ReadAsync(c => c.Scalar(null, """
            SELECT EXISTS (SELECT 1 FROM messages m
                           WHERE m.file_id = $f AND (m.sender_id = $u OR m.recipient_id = $u) AND m.recalled_at IS NULL
                             AND NOT EXISTS (SELECT 1 FROM hidden_messages h WHERE h.user_id = $u AND h.message_id = m.id))
            """, ("$f", fileId), ("$u", userId)) == 1, cancellationToken);

    public ValueTask<IReadOnlyList<ConversationRecord>> ListConversationsAsync(long userId, int limit, CancellationToken cancellationToken = default) =>
        db.ReadAsync<IReadOnlyList<ConversationRecord>>(c => c.Query(null, $"""
            SELECT d.peer_id, c.last_seq, d.read_seq, p.delivered_seq, p.read_seq, c.updated_at, {MessageColumns}
            FROM dialogs d
            JOIN conversations c ON c.id = d.conversation_id
            JOIN dialogs p ON p.user_id = d.peer_id AND p.peer_id = d.user_id
            -- The newest message the user has not deleted for themselves (usually the last one).
            LEFT JOIN messages m ON m.conversation_id = c.id AND m.seq = (
                SELECT x.seq FROM messages x
                WHERE x.conversation_id = c.id
                  AND NOT EXISTS (SELECT 1 FROM hidden_messages h WHERE h.user_id = $u AND h.message_id = x.id)
                ORDER BY x.seq DESC LIMIT 1)
            WHERE d.user_id = $u
            ORDER BY c.updated_at DESC, m.id DESC
            LIMIT $n
            """, r => new ConversationRecord(r.GetInt64(0), r.GetInt64(1), r.GetInt64(2), r.GetInt64(3), r.GetInt64(4), r.FromUnixMs(5),
                r.IsDBNull(6) ? null : ReadMessage(r, 6)), ("$u", userId), ("$n", limit)), cancellationToken);

    public ValueTask<IReadOnlyList<MessageRecord>> HistoryAsync(long userId, long peerId, long beforeSeq, int limit, CancellationToken cancellationToken = default) =>
        db.ReadAsync<IReadOnlyList<MessageRecord>>(c => c.Query(null, $"""
            SELECT {MessageColumns}
            FROM dialogs d JOIN messages m ON m.conversation_id = d.conversation_id
            WHERE d.user_id = $u AND d.peer_id = $p AND m.seq < $before
              AND NOT EXISTS (SELECT 1 FROM hidden_messages h WHERE h.user_id = $u AND h.message_id = m.id)
            ORDER BY m.seq DESC
            LIMIT $n
            """, r => ReadMessage(r), ("$u", userId), ("$p", peerId), ("$before", beforeSeq), ("$n", limit)), cancellationToken);

    public async ValueTask<IReadOnlyList<MessageRecord>> SearchAsync(long userId, string text, int limit, CancellationToken cancellationToken = default)
    {
        // Whatever was stored before the search is found by it.
        while (await IndexPendingAsync(cancellationToken) == IndexBatchMax) { }
        return await db.ReadAsync<IReadOnlyList<MessageRecord>>(c =>
        {
            const string mine = """
                (m.sender_id = $u OR m.recipient_id = $u) AND m.recalled_at IS NULL
                AND NOT EXISTS (SELECT 1 FROM hidden_messages h WHERE h.user_id = $u AND h.message_id = m.id)
                """;
            // The trigram index needs three characters; shorter text is matched by scanning the user's messages.
            if (text.EnumerateRunes().Count() >= 3)
                return c.Query(null, $"""
                    SELECT {MessageColumns} FROM message_search s JOIN messages m ON m.id = s.rowid
                    WHERE message_search MATCH $q AND {mine}
                    ORDER BY m.id DESC LIMIT $n
                    """, r => ReadMessage(r), ("$q", "\"" + text.Replace("\"", "\"\"", StringComparison.Ordinal) + "\""), ("$u", userId), ("$n", limit));
            return c.Query(null, $"""
                SELECT {MessageColumns} FROM messages m
                WHERE m.body LIKE $p ESCAPE '\' AND {mine}
                ORDER BY m.id DESC LIMIT $n
                """, r => ReadMessage(r), ("$p", SqlExtensions.Contains(text)), ("$u", userId), ("$n", limit));
        }, cancellationToken);
    }

    /// <summary>Adds messages not yet in the search index to it, oldest first, at most <see cref="IndexBatchMax"/>; returns how many.</summary>
    private ValueTask<int> IndexPendingAsync(CancellationToken cancellationToken = default) =>
        db.WriteAsync((c, tx) =>
        {
            var from = c.Scalar(tx, "SELECT indexed_up_to FROM search_progress");
            var (count, upTo) = c.Query(tx, "SELECT COUNT(*), MAX(id) FROM (SELECT id FROM messages WHERE id > $from ORDER BY id LIMIT $n)",
                r => (r.GetInt32(0), r.IsDBNull(1) ? from : r.GetInt64(1)), ("$from", from), ("$n", IndexBatchMax))[0];
            if (count == 0) return 0;
            c.Execute(tx, "INSERT INTO message_search (rowid, body) SELECT id, body FROM messages WHERE id > $from AND id <= $to AND body IS NOT NULL",
                ("$from", from), ("$to", upTo));
            c.Execute(tx, "UPDATE search_progress SET indexed_up_to = $to", ("$to", upTo));
            return count;
        }, cancellationToken);

    /// <summary>Creates the pair's conversation with both users' dialogs, before its first message.</summary>
    private static void StartConversation(SqliteConnection c, SqliteTransaction tx, long lo, long hi, DateTimeOffset now)
    {
        var id = c.Scalar(tx, "INSERT INTO conversations (user_lo, user_hi, updated_at) VALUES ($lo, $hi, $t) RETURNING id",
            ("$lo", lo), ("$hi", hi), ("$t", now.ToUnixMs()));
        const string dialog = "INSERT INTO dialogs (user_id, peer_id, conversation_id) VALUES ($u, $p, $c)";
        c.Execute(tx, dialog, ("$u", lo), ("$p", hi), ("$c", id));
        c.Execute(tx, dialog, ("$u", hi), ("$p", lo), ("$c", id));
    }

    private static MessageRecord ReadMessage(SqliteDataReader r) => ReadMessage(r, 0);

    internal static MessageRecord ReadMessage(SqliteDataReader r, int i) => new(
        r.GetInt64(i), r.GetInt64(i + 1), r.GetInt64(i + 2), r.GetInt64(i + 3), r.GetString(i + 4), r.NullableString(i + 5),
        r.FromUnixMs(i + 6), r.IsDBNull(i + 7) ? null : r.FromUnixMs(i + 7), AttachmentJson.Read(r.NullableString(i + 8)));
}
