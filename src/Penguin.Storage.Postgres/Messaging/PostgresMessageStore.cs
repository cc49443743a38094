using System.Text.Json;
using Npgsql;
using Penguin.Core.Common;
using Penguin.Core.Messaging;
using Penguin.Core.Outbox;
using Penguin.Protocol;

namespace Penguin.Storage.Postgres;

/// <summary>
/// One-to-one conversations in PostgreSQL. Several nodes write at once, so every write first locks the rows
/// of the users whose state or logs it changes, lowest id first (see <see cref="PgSql.LockUsersAsync"/>); the
/// conversation's seq is then bumped under its own row lock and a retried client id finds the stored message.
/// </summary>
public sealed class PostgresMessageStore(PostgresDatabase db) : IMessageStore
{
    internal const string MessageColumns = "m.id, m.sender_id, m.recipient_id, m.seq, m.client_id, m.body, m.sent_at, m.recalled_at, m.attachment";

    public ValueTask<Committed<SendOutcome>> SendAsync(NewMessage message, EventsFor<MessageRecord> events, CancellationToken cancellationToken = default) =>
        db.WriteAsync(async (c, tx) =>
        {
            // A retry usually finds its message without waiting for any lock.
            if (await FindByClientIdAsync(c, tx, message) is { } retried) return Duplicate(retried);

            // Both users' logs get an event: lock them in id order before anything else, then look again, as a
            // concurrent send with the same client id may have committed while this one waited.
            await c.LockUsersAsync(tx, message.SenderId, message.RecipientId);
            if (await FindByClientIdAsync(c, tx, message) is { } raced) return Duplicate(raced);

            var sentAt = message.SentAt.Utc();
            var conversation = await ConversationOfAsync(c, tx, message.SenderId, message.RecipientId, sentAt);
            var seq = (await c.ScalarAsync(tx, "UPDATE conversations SET last_seq = last_seq + 1, updated_at = @t WHERE id = @id RETURNING last_seq",
                ("t", sentAt), ("id", conversation)))!.Value;
            var id = await c.ScalarAsync(tx, """
                INSERT INTO messages (conversation_id, seq, sender_id, recipient_id, client_id, body, sent_at, attachment, file_id)
                VALUES (@conv, @seq, @s, @r, @c, @b, @t, @a, @f)
                ON CONFLICT (sender_id, client_id) DO NOTHING
                RETURNING id
                """, ("conv", conversation), ("seq", seq), ("s", message.SenderId), ("r", message.RecipientId),
                ("c", message.ClientId), ("b", message.Text), ("t", sentAt),
                ("a", AttachmentJson.Write(message.Attachment)), ("f", message.Attachment?.FileId));
            if (id is null)
            {
                // Cannot happen while every send locks the sender first; if it ever does, give the seq back and
                // answer as a retry rather than fail a send that is already stored.
                await c.ExecuteAsync(tx, "UPDATE conversations SET last_seq = last_seq - 1 WHERE id = @id", ("id", conversation));
                return Duplicate((await FindByClientIdAsync(c, tx, message))!);
            }
            await c.ExecuteAsync(tx, "UPDATE conversations SET last_message_id = @m WHERE id = @id", ("m", id), ("id", conversation));
            // Writing a message means having read everything before it.
            await c.ExecuteAsync(tx, "UPDATE dialogs SET read_seq = @seq, delivered_seq = @seq WHERE user_id = @s AND peer_id = @r",
                ("seq", seq), ("s", message.SenderId), ("r", message.RecipientId));

            var record = new MessageRecord(id.Value, message.SenderId, message.RecipientId, seq, message.ClientId, message.Text, sentAt, null, message.Attachment);
            var committed = await PostgresOutbox.AppendAsync(c, tx, events(record));
            // Remember where the message sits in each log: delivery receipts find the messages an ack delivers by it.
            await c.ExecuteAsync(tx, "UPDATE messages SET sender_event_seq = @se, recipient_event_seq = @re WHERE id = @id",
                ("se", committed.FirstOrDefault(e => e.UserId == message.SenderId)?.Seq ?? 0),
                ("re", committed.FirstOrDefault(e => e.UserId == message.RecipientId)?.Seq ?? 0), ("id", id.Value));
            return new Committed<SendOutcome>(new SendOutcome(record, Duplicate: false), committed);
        }, cancellationToken);

    public ValueTask<Committed<IReadOnlyList<Receipt>>> AcknowledgeAsync(long userId, long eventSeq, EventsFor<IReadOnlyList<Receipt>> events, CancellationToken cancellationToken = default) =>
        db.WriteAsync(async (c, tx) =>
        {
            Committed<IReadOnlyList<Receipt>> nothing = new([], []);
            // The device can only hold events committed before it acknowledged them: the head read now bounds it.
            var state = await c.QuerySingleAsync(tx, "SELECT acked_seq, event_seq FROM users WHERE id = @u",
                r => new[] { r.GetInt64(0), r.GetInt64(1) }, ("u", userId));
            if (state is null) return nothing;
            var upTo = Math.Min(eventSeq, state[1]);
            if (upTo <= state[0]) return nothing;

            // The receipts go to the senders' logs: lock the user and every sender in the range in id order.
            const string reachedSql = """
                SELECT sender_id, MAX(seq) FROM messages
                WHERE recipient_id = @u AND recipient_event_seq > @from AND recipient_event_seq <= @to
                GROUP BY sender_id ORDER BY sender_id
                """;
            var candidates = await c.QueryAsync(tx, reachedSql, r => r.GetInt64(0), ("u", userId), ("from", state[0]), ("to", upTo));
            await c.LockUsersAsync(tx, [userId, .. candidates]);

            // Another device may have acknowledged meanwhile: that only narrows the range (to locked senders).
            var acked = (await c.ScalarAsync(tx, "SELECT acked_seq FROM users WHERE id = @u", ("u", userId)))!.Value;
            if (upTo <= acked) return nothing;
            await c.ExecuteAsync(tx, "UPDATE users SET acked_seq = @s WHERE id = @u", ("s", upTo), ("u", userId));
            var reached = await c.QueryAsync(tx, reachedSql, r => (Peer: r.GetInt64(0), Seq: r.GetInt64(1)), ("u", userId), ("from", acked), ("to", upTo));
            var receipts = new List<Receipt>();
            foreach (var (peer, seq) in reached)
            {
                var moved = await c.QuerySingleAsync(tx, """
                    UPDATE dialogs SET delivered_seq = @seq WHERE user_id = @u AND peer_id = @p AND delivered_seq < @seq
                    RETURNING delivered_seq, read_seq
                    """, r => new Receipt(userId, peer, r.GetInt64(0), r.GetInt64(1)), ("seq", seq), ("u", userId), ("p", peer));
                if (moved is not null) receipts.Add(moved);
            }
            return await PostgresOutbox.CommitAsync<IReadOnlyList<Receipt>>(c, tx, receipts, events);
        }, cancellationToken);

    public ValueTask<Committed<Receipt?>> MarkReadAsync(long userId, long peerId, long seq, EventsFor<Receipt?> events, CancellationToken cancellationToken = default) =>
        db.WriteAsync(async (c, tx) =>
        {
            // The reader's devices and the peer hear of it: both locks first, in id order.
            await c.LockUsersAsync(tx, userId, peerId);
            var moved = await c.QuerySingleAsync(tx, """
                UPDATE dialogs d
                SET read_seq = LEAST(@seq, c.last_seq), delivered_seq = GREATEST(d.delivered_seq, LEAST(@seq, c.last_seq))
                FROM conversations c
                WHERE c.id = d.conversation_id AND d.user_id = @u AND d.peer_id = @p AND d.read_seq < @seq AND d.read_seq < c.last_seq
                RETURNING d.delivered_seq, d.read_seq
                """, r => new Receipt(userId, peerId, r.GetInt64(0), r.GetInt64(1)), ("seq", seq), ("u", userId), ("p", peerId));
            return await PostgresOutbox.CommitAsync(c, tx, moved, events);
        }, cancellationToken);

    public ValueTask<Result<Committed<MessageRecord>>> RecallAsync(long userId, long messageId, DateTimeOffset now, TimeSpan window,
        EventsFor<MessageRecord> events, CancellationToken cancellationToken = default) =>
        db.WriteAsync<Result<Committed<MessageRecord>>>(async (c, tx) =>
        {
            // Only the sender may recall; to anyone else the message does not exist.
            var peer = await c.ScalarAsync(tx, "SELECT recipient_id FROM messages WHERE id = @id AND sender_id = @u", ("id", messageId), ("u", userId));
            if (peer is null) return Errors.NotFound;
            await c.LockUsersAsync(tx, userId, peer.Value);
            var message = (await c.QueryAsync(tx, $"SELECT {MessageColumns} FROM messages m WHERE m.id = @id FOR UPDATE",
                ReadMessage, ("id", messageId))).Single();
            if (message.RecalledAt is not null) return Errors.RequestClosed.With("The message was already recalled.", "该消息已撤回。");
            if (now - message.SentAt > window) return Errors.RecallExpired;

            await c.ExecuteAsync(tx, "UPDATE messages SET body = NULL, attachment = NULL, file_id = NULL, recalled_at = @t WHERE id = @id", ("t", now.Utc()), ("id", messageId));
            var recalled = message with { Text = null, RecalledAt = now.Utc(), Attachment = null };
            // The stored message events are built from this row when read: erasing the text here erases it there too.
            return await PostgresOutbox.CommitAsync(c, tx, recalled, events);
        }, cancellationToken);

    public ValueTask<Result<Committed<MessageRecord>>> DeleteForUserAsync(long userId, long messageId, EventsFor<MessageRecord> events, CancellationToken cancellationToken = default) =>
        db.WriteAsync<Result<Committed<MessageRecord>>>(async (c, tx) =>
        {
            var message = await c.QuerySingleAsync(tx, $"SELECT {MessageColumns} FROM messages m WHERE m.id = @id AND (m.sender_id = @u OR m.recipient_id = @u)",
                ReadMessage, ("id", messageId), ("u", userId));
            if (message is null) return Errors.NotFound;
            var drafts = events(message).ToList();
            await c.LockUsersAsync(tx, [userId, .. drafts.Select(d => d.UserId)]);
            if (await c.ExecuteAsync(tx, "INSERT INTO hidden_messages (user_id, message_id) VALUES (@u, @id) ON CONFLICT DO NOTHING",
                    ("u", userId), ("id", messageId)) == 0)
                return Errors.NotFound;
            return new Committed<MessageRecord>(message, await PostgresOutbox.AppendAsync(c, tx, drafts));
        }, cancellationToken);

    public ValueTask<bool> MaySeeFileAsync(long userId, string fileId, CancellationToken cancellationToken = default) =>
        db.ReadAsync(async c => await c.ScalarAsync(null, """
            SELECT 1 FROM messages m
            WHERE m.file_id = @f AND (m.sender_id = @u OR m.recipient_id = @u) AND m.recalled_at IS NULL
              AND NOT EXISTS (SELECT 1 FROM hidden_messages h WHERE h.user_id = @u AND h.message_id = m.id)
            LIMIT 1
            """, ("f", fileId), ("u", userId)) is not null, cancellationToken);

    public ValueTask<IReadOnlyList<ConversationRecord>> ListConversationsAsync(long userId, int limit, CancellationToken cancellationToken = default) =>
        db.ReadAsync<IReadOnlyList<ConversationRecord>>(async c => await c.QueryAsync(null, $"""
            SELECT d.peer_id, c.last_seq, d.read_seq, p.delivered_seq, p.read_seq, c.updated_at, {MessageColumns}
            FROM dialogs d
            JOIN conversations c ON c.id = d.conversation_id
            JOIN dialogs p ON p.user_id = d.peer_id AND p.peer_id = d.user_id
            -- The newest message the user has not deleted for themselves (usually the last one).
            LEFT JOIN LATERAL (
                SELECT x.* FROM messages x
                WHERE x.conversation_id = c.id
                  AND NOT EXISTS (SELECT 1 FROM hidden_messages h WHERE h.user_id = @u AND h.message_id = x.id)
                ORDER BY x.seq DESC LIMIT 1) m ON true
            WHERE d.user_id = @u
            ORDER BY c.updated_at DESC, c.last_message_id DESC
            LIMIT @n
            """, r => new ConversationRecord(r.GetInt64(0), r.GetInt64(1), r.GetInt64(2), r.GetInt64(3), r.GetInt64(4), r.Instant(5),
                r.IsDBNull(6) ? null : ReadMessage(r, 6)), ("u", userId), ("n", limit)), cancellationToken);

    public ValueTask<bool> HasSentAsync(long senderId, long recipientId, CancellationToken cancellationToken = default) =>
        db.ReadAsync(async c => (await c.ScalarAsync(null, """
            SELECT EXISTS (SELECT 1 FROM messages m JOIN conversations c ON c.id = m.conversation_id
                           WHERE c.user_lo = LEAST(@s, @r) AND c.user_hi = GREATEST(@s, @r) AND m.sender_id = @s AND m.recalled_at IS NULL)::int
            """, ("s", senderId), ("r", recipientId))) == 1, cancellationToken);

    public ValueTask<MessageRecord?> FindSentAsync(long senderId, string clientId, CancellationToken cancellationToken = default) =>
        db.ReadAsync(async c => await c.QuerySingleAsync(null, $"SELECT {MessageColumns} FROM messages m WHERE m.sender_id = @s AND m.client_id = @c",
            ReadMessage, ("s", senderId), ("c", clientId)), cancellationToken);

    public ValueTask<IReadOnlyList<MessageRecord>> HistoryAsync(long userId, long peerId, long beforeSeq, int limit, CancellationToken cancellationToken = default) =>
        db.ReadAsync<IReadOnlyList<MessageRecord>>(async c => await c.QueryAsync(null, $"""
            SELECT {MessageColumns}
            FROM dialogs d JOIN messages m ON m.conversation_id = d.conversation_id
            WHERE d.user_id = @u AND d.peer_id = @p AND m.seq < @before
              AND NOT EXISTS (SELECT 1 FROM hidden_messages h WHERE h.user_id = @u AND h.message_id = m.id)
            ORDER BY m.seq DESC
            LIMIT @n
            """, ReadMessage, ("u", userId), ("p", peerId), ("before", beforeSeq), ("n", limit)), cancellationToken);

    /// <summary>
    /// ILIKE '%text%' with the wildcards escaped, which the trigram index serves for three characters or more;
    /// shorter text is matched by scanning the user's own messages.
    /// </summary>
    public ValueTask<IReadOnlyList<MessageRecord>> SearchAsync(long userId, string text, int limit, CancellationToken cancellationToken = default) =>
        db.ReadAsync<IReadOnlyList<MessageRecord>>(async c => await c.QueryAsync(null, $"""
            SELECT {MessageColumns} FROM messages m
            WHERE m.body ILIKE @p ESCAPE '\' AND (m.sender_id = @u OR m.recipient_id = @u) AND m.recalled_at IS NULL
              AND NOT EXISTS (SELECT 1 FROM hidden_messages h WHERE h.user_id = @u AND h.message_id = m.id)
            ORDER BY m.id DESC
            LIMIT @n
            """, ReadMessage, ("p", PgSql.Contains(text)), ("u", userId), ("n", limit)), cancellationToken);

    private static Committed<SendOutcome> Duplicate(MessageRecord message) => new(new SendOutcome(message, Duplicate: true), []);

    private static Task<MessageRecord?> FindByClientIdAsync(NpgsqlConnection c, NpgsqlTransaction tx, NewMessage message, CancellationToken cancellationToken = default) =>
        c.QuerySingleAsync(tx, $"SELECT {MessageColumns} FROM messages m WHERE m.sender_id = @s AND m.client_id = @c",
            ReadMessage, ("s", message.SenderId), ("c", message.ClientId));

    /// <summary>The conversation of the pair, created with both dialogs on the first message, also when two nodes race to.</summary>
    private static async Task<long> ConversationOfAsync(NpgsqlConnection c, NpgsqlTransaction tx, long a, long b, DateTimeOffset now, CancellationToken cancellationToken = default)
    {
        var (lo, hi) = a < b ? (a, b) : (b, a);
        var created = await c.ScalarAsync(tx, """
            INSERT INTO conversations (user_lo, user_hi, updated_at) VALUES (@lo, @hi, @t)
            ON CONFLICT (user_lo, user_hi) DO NOTHING RETURNING id
            """, ("lo", lo), ("hi", hi), ("t", now));
        if (created is not { } id)
            return (await c.ScalarAsync(tx, "SELECT id FROM conversations WHERE user_lo = @lo AND user_hi = @hi", ("lo", lo), ("hi", hi)))!.Value;
        await c.ExecuteAsync(tx, """
            INSERT INTO dialogs (user_id, peer_id, conversation_id) VALUES (@lo, @hi, @c), (@hi, @lo, @c)
            """, ("lo", lo), ("hi", hi), ("c", id));
        return id;
    }

    private static MessageRecord ReadMessage(NpgsqlDataReader r) => ReadMessage(r, 0);

    internal static MessageRecord ReadMessage(NpgsqlDataReader r, int i) => new(
        r.GetInt64(i), r.GetInt64(i + 1), r.GetInt64(i + 2), r.GetInt64(i + 3), r.GetString(i + 4), r.NullableString(i + 5),
        r.Instant(i + 6), r.IsDBNull(i + 7) ? null : r.Instant(i + 7), AttachmentJson.Read(r.NullableString(i + 8)));
}
