using Microsoft.Data.Sqlite;
using Penguin.Core.Outbox;
using Penguin.Core.Sync;
using Penguin.Protocol;

namespace Penguin.Storage.Sqlite;

/// <summary>The read side of the users' event logs (the write side is <see cref="SqliteOutbox"/>).</summary>
public sealed class SqliteEventLog(SqliteDatabase db) : IEventLog
{
    public ValueTask<IReadOnlyList<CommittedEvent>> ReadAsync(long userId, long afterSeq, int limit, CancellationToken cancellationToken = default) =>
        db.ReadAsync<IReadOnlyList<CommittedEvent>>(c => c.Query(null, $"""
            SELECT e.seq, e.payload, {SqliteMessageStore.MessageColumns}
            FROM user_events e LEFT JOIN messages m ON m.id = e.message_id
            WHERE e.user_id = $u AND e.seq > $s ORDER BY e.seq LIMIT $n
            """,
            // A message's event refers to the message row (see SqliteOutbox); every other one is in StoredEventJson's format.
            r => r.IsDBNull(2)
                ? new CommittedEvent(userId, r.GetInt64(0), StoredEventJson.Read((byte[])r.GetValue(1), r.GetInt64(0)))
                : new CommittedEvent(userId, r.GetInt64(0), new MessageReceived(SqliteMessageStore.ReadMessage(r, 2).ToWire())),
            ("$u", userId), ("$s", afterSeq), ("$n", limit)), cancellationToken);

    public ValueTask<long> HeadAsync(long userId, CancellationToken cancellationToken = default) =>
        db.ReadAsync(c => c.Scalar(null, "SELECT COALESCE(MAX(seq), 0) FROM user_events WHERE user_id = $u", ("$u", userId)), cancellationToken);
}
