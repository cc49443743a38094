using Penguin.Core.Outbox;
using Penguin.Core.Sync;

namespace Penguin.Storage.Postgres;

/// <summary>The read side of the users' event logs (the write side is <see cref="PostgresOutbox"/>).</summary>
public sealed class PostgresEventLog(PostgresDatabase db) : IEventLog
{
    public ValueTask<IReadOnlyList<CommittedEvent>> ReadAsync(long userId, long afterSeq, int limit, CancellationToken cancellationToken = default) =>
        db.ReadAsync<IReadOnlyList<CommittedEvent>>(async c => await c.QueryAsync(null,
            "SELECT seq, payload FROM user_events WHERE user_id = @u AND seq > @s ORDER BY seq LIMIT @n",
            r => new CommittedEvent(userId, r.GetInt64(0), r.GetFieldValue<byte[]>(1)),
            cancellationToken, ("u", userId), ("s", afterSeq), ("n", limit)), cancellationToken);

    public ValueTask<long> HeadAsync(long userId, CancellationToken cancellationToken = default) =>
        db.ReadAsync(async c => await c.ScalarAsync(null, "SELECT event_seq FROM users WHERE id = @u", ("u", userId)) ?? 0, cancellationToken);
}
