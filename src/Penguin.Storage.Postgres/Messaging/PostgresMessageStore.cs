using System.Text;
using Npgsql;
using NpgsqlTypes;
using Penguin.Core.Common;
using Penguin.Core.Messaging;
using Penguin.Core.Outbox;
using Penguin.Protocol;

namespace Penguin.Storage.Postgres;

/// <summary>
/// One-to-one conversations in PostgreSQL. Several nodes write at once, so every write first locks the rows
/// of the users whose state or logs it changes, lowest id first (see <see cref="PgSql.LockUsersAsync"/>); the
/// conversation's seq is then bumped under its own row lock and a retried client id finds the stored message.
/// The hot writes (send, acknowledge, mark read) are one call each of a function (migrations 0070, 0071) that
/// does this on the server: one round trip, no lock held while the node waits.
/// </summary>
public sealed class PostgresMessageStore(PostgresDatabase db) : IMessageStore
{
    private readonly GroupCommit<(NewMessage Message, DateTimeOffset SentAt, bool IfAccepted), SendResult> _sends = new(batch => SendBatchAsync(db, batch),
        s => db.CallAsync(c => CallSendAsync(c, null, s.IfAccepted, s.Message, s.SentAt, [s.Message.RecipientId, s.Message.SenderId])).AsTask());

    private readonly GroupCommit<(long UserId, long EventSeq), IReadOnlyList<(Receipt Receipt, long Seq)>> _acks = new(batch => AcknowledgeBatchAsync(db, batch),
        a => db.CallAsync(c => CallAcknowledgeAsync(c, a.UserId, a.EventSeq)).AsTask());

    internal const string MessageColumns = "m.id, m.sender_id, m.recipient_id, m.seq, m.client_id, m.body, m.sent_at, m.recalled_at, m.attachment";

    public async ValueTask<Committed<SendOutcome>> SendAsync(NewMessage message, EventsFor<MessageRecord> events, CancellationToken cancellationToken = default) =>
        (await SendAsync(message, events, ifAccepted: false, cancellationToken)).Value;

    public ValueTask<Result<Committed<SendOutcome>>> SendIfAcceptedAsync(NewMessage message, EventsFor<MessageRecord> events, CancellationToken cancellationToken = default) =>
        SendAsync(message, events, ifAccepted: true, cancellationToken);

    /// <summary>
    /// One call of penguin_send_accepted (migrations 0070, 0073): the idempotency lookup, the check whether the recipient
    /// accepts it, the seqs, the message and its events in one round trip, its locks held only while the server runs it.
    /// Events other than the message's own (which the function writes as references to the row) are appended after it
    /// in the same transaction.
    /// </summary>
    private async ValueTask<Result<Committed<SendOutcome>>> SendAsync(NewMessage message, EventsFor<MessageRecord> events, bool ifAccepted,
        CancellationToken cancellationToken)
    {
        var sentAt = message.SentAt.Utc();
        // What the events will be, from the message as it will be but for its id and seq: when each is the message's
        // own event (a reference to the row), the function writes them all.
        var unsent = new MessageRecord(0, message.SenderId, message.RecipientId, 0, message.ClientId, message.Text, sentAt, null, message.Attachment);
        var shape = events(unsent).ToList();
        var inCall = shape.All(d => StoredEventJson.MessageReference(d.Event) == unsent.Id);
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                if (inCall)
                {
                    // The messaging service's shape (to the recipient, then the sender) goes with the node's other sends in one call.
                    var (refused, duplicate, record, seqs) = shape.Select(d => d.UserId).SequenceEqual([message.RecipientId, message.SenderId])
                        ? await _sends.RunAsync((message, sentAt, ifAccepted), cancellationToken)
                        : await db.CallAsync(c => CallSendAsync(c, null, ifAccepted, message, sentAt, [.. shape.Select(d => d.UserId)]), cancellationToken);
                    if (refused is not null) return refused;
                    if (duplicate) return Duplicate(record);
                    var drafts = events(record).ToList();
                    if (drafts.Count != seqs.Length || drafts.Where((d, i) => d.UserId != shape[i].UserId).Any())
                        throw new InvalidOperationException("The message's events changed between two calls of the same callback.");
                    return new Committed<SendOutcome>(new SendOutcome(record, Duplicate: false), [.. drafts.Select((d, i) => new CommittedEvent(d.UserId, seqs[i], d.Event))]);
                }
                return await db.WriteAsync<Result<Committed<SendOutcome>>>(async (c, tx) =>
                    {
                        var (refused, duplicate, record, _) = await CallSendAsync(c, tx, ifAccepted, message, sentAt, []);
                        if (refused is not null) return refused;
                        if (duplicate) return Duplicate(record);
                        var committed = await PostgresOutbox.AppendAsync(c, tx, events(record));
                        // Remember where the message sits in each log: delivery receipts find the messages an ack delivers by it.
                        await c.ExecuteAsync(tx, "UPDATE messages SET sender_event_seq = @se, recipient_event_seq = @re WHERE id = @id",
                            ("se", committed.FirstOrDefault(e => e.UserId == message.SenderId)?.Seq ?? 0),
                            ("re", committed.FirstOrDefault(e => e.UserId == message.RecipientId)?.Seq ?? 0), ("id", record.Id));
                        return new Committed<SendOutcome>(new SendOutcome(record, Duplicate: false), committed);
                    }, cancellationToken);
            }
            // A concurrent send with the same client id committed first: this one rolled back whole, and the next call
            // answers the stored message.
            catch (PostgresException e) when (e.SqlState == PostgresErrorCodes.UniqueViolation && e.ConstraintName == ClientIdConstraint && attempt < 3)
            {
            }
        }
    }

    private const string ClientIdConstraint = "messages_sender_id_client_id_key";

    /// <summary>
    /// A send's outcome as the database gives it: why the recipient refused it, the stored message of a retry, or the
    /// new one with its event seqs.
    /// </summary>
    private readonly record struct SendResult(Error? Refused, bool Duplicate, MessageRecord Record, long[] EventSeqs);

    /// <summary>Several sends in one call of penguin_send_messages (migrations 0072, 0073), one transaction for all.</summary>
    private static async Task<IReadOnlyList<SendResult>> SendBatchAsync(PostgresDatabase db, IReadOnlyList<(NewMessage Message, DateTimeOffset SentAt, bool IfAccepted)> batch)
    {
        var messages = batch.Select(b => b.Message).ToArray();
        var rows = await db.CallAsync(c => c.CallAsync(null, "SELECT * FROM penguin_send_messages($1, $2, $3, $4, $5, $6, $7, $8)",
            r => (Index: r.GetInt32(0) - 1, Row: ReadSendRow(r, 1)),
            PgSql.Arg(batch.Select(b => b.IfAccepted).ToArray(), NpgsqlDbType.Array | NpgsqlDbType.Boolean),
            PgSql.Arg(messages.Select(m => m.SenderId).ToArray(), NpgsqlDbType.Array | NpgsqlDbType.Bigint),
            PgSql.Arg(messages.Select(m => m.RecipientId).ToArray(), NpgsqlDbType.Array | NpgsqlDbType.Bigint),
            PgSql.Arg(messages.Select(m => m.ClientId).ToArray(), NpgsqlDbType.Array | NpgsqlDbType.Text),
            PgSql.Arg(messages.Select(m => m.Text).ToArray(), NpgsqlDbType.Array | NpgsqlDbType.Text),
            PgSql.Arg(batch.Select(b => b.SentAt).ToArray(), NpgsqlDbType.Array | NpgsqlDbType.TimestampTz),
            PgSql.Arg(messages.Select(m => AttachmentJson.Write(m.Attachment)).ToArray(), NpgsqlDbType.Array | NpgsqlDbType.Text),
            PgSql.Arg(messages.Select(m => m.Attachment?.FileId).ToArray(), NpgsqlDbType.Array | NpgsqlDbType.Text)));
        var results = new SendResult[batch.Count];
        foreach (var (index, row) in rows) results[index] = AsSent(batch[index].Message, batch[index].SentAt, row);
        return results;
    }

    /// <summary>A row of penguin_send_accepted from column <paramref name="i"/> on: o_refused, o_duplicate, the message, o_event_seqs.</summary>
    private static (Error? Refused, bool Duplicate, MessageRecord? Stored, long[] Seqs) ReadSendRow(NpgsqlDataReader r, int i)
    {
        if (r.NullableString(i) is { } refused) return (refused == "not_found" ? Errors.NotFound : Errors.MessageRefused, false, null, []);
        return (null, r.GetBoolean(i + 1), ReadMessage(r, i + 2), r.IsDBNull(i + 11) ? [] : r.GetFieldValue<long[]>(i + 11));
    }

    private static SendResult AsSent(NewMessage message, DateTimeOffset sentAt, (Error? Refused, bool Duplicate, MessageRecord? Stored, long[] Seqs) row)
    {
        if (row.Refused is not null) return new(row.Refused, false, null!, []);
        if (row.Duplicate) return new(null, true, row.Stored!, []);
        // The new message as given (its attachment object too), with the id and seq the database assigned.
        return new(null, false, new MessageRecord(row.Stored!.Id, message.SenderId, message.RecipientId, row.Stored.Seq, message.ClientId, message.Text,
            sentAt, null, message.Attachment), row.Seqs);
    }

    private static async Task<SendResult> CallSendAsync(NpgsqlConnection c, NpgsqlTransaction? tx, bool ifAccepted,
        NewMessage message, DateTimeOffset sentAt, long[] eventUsers)
    {
        var rows = await c.CallAsync(tx, "SELECT * FROM penguin_send_accepted($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)", r => ReadSendRow(r, 0),
            PgSql.Arg(ifAccepted, NpgsqlDbType.Boolean), PgSql.Arg(message.SenderId, NpgsqlDbType.Bigint), PgSql.Arg(message.RecipientId, NpgsqlDbType.Bigint),
            PgSql.Arg(message.ClientId, NpgsqlDbType.Text), PgSql.Arg(message.Text, NpgsqlDbType.Text), PgSql.Arg(sentAt, NpgsqlDbType.TimestampTz),
            PgSql.Arg(AttachmentJson.Write(message.Attachment), NpgsqlDbType.Text), PgSql.Arg(message.Attachment?.FileId, NpgsqlDbType.Text),
            PgSql.Arg(eventUsers, NpgsqlDbType.Array | NpgsqlDbType.Bigint), PgSql.Arg(new byte[]?[eventUsers.Length], NpgsqlDbType.Array | NpgsqlDbType.Bytea));
        return AsSent(message, sentAt, rows.Single());
    }

    /// <summary>
    /// One call of penguin_acknowledge (migration 0071). When the receipts' events are the messaging service's (a
    /// message_receipt to each sender) the function writes them too; otherwise they are appended in the same transaction.
    /// </summary>
    public ValueTask<Committed<IReadOnlyList<Receipt>>> AcknowledgeAsync(long userId, long eventSeq, EventsFor<IReadOnlyList<Receipt>> events, CancellationToken cancellationToken = default)
    {
        const string sql = "SELECT * FROM penguin_acknowledge($1, $2, $3)";
        if (ReceiptEventsInSql && IsReceiptToSender(events([Probe]).ToList()))
            return AcknowledgeInCallAsync(userId, eventSeq, events, cancellationToken);
        return db.WriteAsync(async (c, tx) =>
        {
            var receipts = await c.CallAsync(tx, sql, r => new Receipt(userId, r.GetInt64(0), r.GetInt64(1), r.GetInt64(2)),
                PgSql.Arg(userId, NpgsqlDbType.Bigint), PgSql.Arg(eventSeq, NpgsqlDbType.Bigint), PgSql.Arg(false, NpgsqlDbType.Boolean));
            return await PostgresOutbox.CommitAsync<IReadOnlyList<Receipt>>(c, tx, receipts, events);
        }, cancellationToken);
    }

    /// <summary>An acknowledgement whose receipt events the function writes: gathered with the node's other users' into one call.</summary>
    private async ValueTask<Committed<IReadOnlyList<Receipt>>> AcknowledgeInCallAsync(long userId, long eventSeq, EventsFor<IReadOnlyList<Receipt>> events,
        CancellationToken cancellationToken)
    {
        var rows = await _acks.RunAsync((userId, eventSeq), cancellationToken);
        var receipts = rows.Select(r => r.Receipt).ToList();
        var drafts = events(receipts).ToList();
        return new(receipts, [.. drafts.Select((d, i) => new CommittedEvent(d.UserId, rows[i].Seq, d.Event))]);
    }

    private static async Task<IReadOnlyList<(Receipt Receipt, long Seq)>> CallAcknowledgeAsync(NpgsqlConnection c, long userId, long eventSeq) =>
        await c.CallAsync(null, "SELECT * FROM penguin_acknowledge($1, $2, $3)", r => (new Receipt(userId, r.GetInt64(0), r.GetInt64(1), r.GetInt64(2)), r.GetInt64(3)),
            PgSql.Arg(userId, NpgsqlDbType.Bigint), PgSql.Arg(eventSeq, NpgsqlDbType.Bigint), PgSql.Arg(true, NpgsqlDbType.Boolean));

    /// <summary>Several users' acknowledgements in one call of penguin_acknowledge_many (migration 0072).</summary>
    private static async Task<IReadOnlyList<IReadOnlyList<(Receipt Receipt, long Seq)>>> AcknowledgeBatchAsync(PostgresDatabase db, IReadOnlyList<(long UserId, long EventSeq)> batch)
    {
        var rows = await db.CallAsync(c => c.CallAsync(null, "SELECT * FROM penguin_acknowledge_many($1, $2)",
            r => (Index: r.GetInt32(0) - 1, Peer: r.GetInt64(1), Delivered: r.GetInt64(2), Read: r.GetInt64(3), Seq: r.GetInt64(4)),
            PgSql.Arg(batch.Select(b => b.UserId).ToArray(), NpgsqlDbType.Array | NpgsqlDbType.Bigint),
            PgSql.Arg(batch.Select(b => b.EventSeq).ToArray(), NpgsqlDbType.Array | NpgsqlDbType.Bigint)));
        var results = batch.Select(_ => new List<(Receipt, long)>()).ToArray();
        foreach (var r in rows) results[r.Index].Add((new Receipt(batch[r.Index].UserId, r.Peer, r.Delivered, r.Read), r.Seq));
        return results;
    }

    /// <summary>One call of penguin_mark_read (migration 0071), its events written by it like an acknowledgement's.</summary>
    public ValueTask<Committed<Receipt?>> MarkReadAsync(long userId, long peerId, long seq, EventsFor<Receipt?> events, CancellationToken cancellationToken = default)
    {
        const string sql = "SELECT * FROM penguin_mark_read($1, $2, $3, $4)";
        if (ReceiptEventsInSql && !events(null).Any() && IsReadAndReceipt(events(Probe).ToList()))
            return db.CallAsync<Committed<Receipt?>>(async c =>
            {
                var rows = await c.CallAsync(null, sql, r => (Receipt: new Receipt(userId, peerId, r.GetInt64(0), r.GetInt64(1)), Reader: r.GetInt64(2), Peer: r.GetInt64(3)),
                    PgSql.Arg(userId, NpgsqlDbType.Bigint), PgSql.Arg(peerId, NpgsqlDbType.Bigint), PgSql.Arg(seq, NpgsqlDbType.Bigint), PgSql.Arg(true, NpgsqlDbType.Boolean));
                if (rows.Count == 0) return new(null, []);
                var (receipt, readerSeq, peerSeq) = rows[0];
                var drafts = events(receipt).ToList();
                return new(receipt, [new CommittedEvent(drafts[0].UserId, readerSeq, drafts[0].Event), new CommittedEvent(drafts[1].UserId, peerSeq, drafts[1].Event)]);
            }, cancellationToken);
        return db.WriteAsync(async (c, tx) =>
        {
            var moved = (await c.CallAsync(tx, sql, r => new Receipt(userId, peerId, r.GetInt64(0), r.GetInt64(1)),
                PgSql.Arg(userId, NpgsqlDbType.Bigint), PgSql.Arg(peerId, NpgsqlDbType.Bigint), PgSql.Arg(seq, NpgsqlDbType.Bigint),
                PgSql.Arg(false, NpgsqlDbType.Boolean))).SingleOrDefault();
            return await PostgresOutbox.CommitAsync(c, tx, moved, events);
        }, cancellationToken);
    }

    // The receipt events the functions of 0071 build in SQL, checked once against StoredEventJson: if its format
    // ever changes, the store appends the events itself (and 0071's templates want a new migration).
    private static readonly bool ReceiptEventsInSql =
        Encoding.UTF8.GetString(StoredEventJson.Write(new MessageReceipt(11, 22, 33))) == """{"v":1,"event":"message_receipt","data":{"peer":11,"deliveredSeq":22,"readSeq":33}}"""
        && Encoding.UTF8.GetString(StoredEventJson.Write(new ConversationRead(44, 33))) == """{"v":1,"event":"conversation_read","data":{"peer":44,"readSeq":33}}""";

    /// <summary>A receipt to try a callback on: does it make the events the functions write?</summary>
    private static readonly Receipt Probe = new(11, 44, 22, 33);

    private static bool IsReceiptToSender(List<EventDraft> drafts) =>
        drafts is [{ } receipt] && receipt == new EventDraft(Probe.PeerId, new MessageReceipt(Probe.ReaderId, Probe.DeliveredSeq, Probe.ReadSeq));

    private static bool IsReadAndReceipt(List<EventDraft> drafts) =>
        drafts is [{ } read, { } receipt]
        && read == new EventDraft(Probe.ReaderId, new ConversationRead(Probe.PeerId, Probe.ReadSeq))
        && receipt == new EventDraft(Probe.PeerId, new MessageReceipt(Probe.ReaderId, Probe.DeliveredSeq, Probe.ReadSeq));

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

    /// <summary>One call of penguin_refusal (migration 0073), the rule the send checks inside its own call.</summary>
    public ValueTask<Error?> RefusalAsync(long senderId, long recipientId, CancellationToken cancellationToken = default) =>
        db.ReadAsync(async c => (await c.CallAsync(null, "SELECT penguin_refusal($1, $2)", r => r.NullableString(0),
                PgSql.Arg(senderId, NpgsqlDbType.Bigint), PgSql.Arg(recipientId, NpgsqlDbType.Bigint))).Single() switch
            {
                null => null,
                "not_found" => Errors.NotFound,
                _ => (Error?)Errors.MessageRefused,
            }, cancellationToken);

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

    private static MessageRecord ReadMessage(NpgsqlDataReader r) => ReadMessage(r, 0);

    internal static MessageRecord ReadMessage(NpgsqlDataReader r, int i) => new(
        r.GetInt64(i), r.GetInt64(i + 1), r.GetInt64(i + 2), r.GetInt64(i + 3), r.GetString(i + 4), r.NullableString(i + 5),
        r.Instant(i + 6), r.IsDBNull(i + 7) ? null : r.Instant(i + 7), AttachmentJson.Read(r.NullableString(i + 8)));
}
