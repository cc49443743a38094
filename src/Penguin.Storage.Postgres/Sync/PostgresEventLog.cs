using Penguin.Core.Outbox;
using Penguin.Core.Sync;
using Penguin.Protocol;

namespace Penguin.Storage.Postgres;

/// <summary>The read side of the users' event logs (the write side is <see cref="PostgresOutbox"/>).</summary>
public sealed class PostgresEventLog(PostgresDatabase db) : IEventLog
{
    public ValueTask<IReadOnlyList<CommittedEvent>> ReadAsync(long userId, long afterSeq, int limit, CancellationToken cancellationToken = default) =>
        db.ReadAsync<IReadOnlyList<CommittedEvent>>(async c => await c.QueryAsync(null, $"""
            SELECT e.seq, e.payload, {PostgresMessageStore.MessageColumns}
            FROM user_events e LEFT JOIN messages m ON m.id = e.message_id
            WHERE e.user_id = @u AND e.seq > @s ORDER BY e.seq LIMIT @n
            """,
            // A message's event refers to the message row (see PostgresOutbox); every other one is in StoredEventJson's format.
            r => r.IsDBNull(2)
                ? new CommittedEvent(userId, r.GetInt64(0), StoredEventJson.Read(r.GetFieldValue<byte[]>(1), r.GetInt64(0)))
                : new CommittedEvent(userId, r.GetInt64(0), new MessageReceived(PostgresMessageStore.ReadMessage(r, 2).ToWire())),
            cancellationToken, ("u", userId), ("s", afterSeq), ("n", limit)), cancellationToken);

    public ValueTask<long> HeadAsync(long userId, CancellationToken cancellationToken = default) =>
        db.ReadAsync(async c => await c.ScalarAsync(null, "SELECT event_seq FROM users WHERE id = @u", ("u", userId)) ?? 0, cancellationToken);
}
