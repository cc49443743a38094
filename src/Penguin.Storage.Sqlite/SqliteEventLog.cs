using System.Text.Json;
using Microsoft.Data.Sqlite;
using Penguin.Core.Sync;
using Penguin.Protocol;

namespace Penguin.Storage.Sqlite;

public sealed class SqliteEventLog(SqliteDatabase db) : IEventLog
{
    public ValueTask<IReadOnlyList<CommittedEvent>> ReadAsync(long userId, long afterSeq, int limit, CancellationToken cancellationToken = default) =>
        db.ReadAsync<IReadOnlyList<CommittedEvent>>(c => c.Query(null,
            "SELECT seq, payload FROM user_events WHERE user_id = $u AND seq > $s ORDER BY seq LIMIT $n",
            r => new CommittedEvent(userId, r.GetInt64(0), (byte[])r.GetValue(1)),
            ("$u", userId), ("$s", afterSeq), ("$n", limit)));

    public ValueTask<long> HeadAsync(long userId, CancellationToken cancellationToken = default) =>
        db.ReadAsync(c => c.Scalar(null, "SELECT event_seq FROM users WHERE id = $u", ("$u", userId)));

    /// <summary>Appends events inside the caller's transaction: each user's next seq, then the stored wire JSON.</summary>
    internal static List<CommittedEvent> Append(SqliteConnection c, SqliteTransaction tx, IEnumerable<EventDraft> drafts)
    {
        var committed = new List<CommittedEvent>();
        foreach (var draft in drafts)
        {
            // No row means an event for a user who does not exist: a bug, which must not be stored as seq 0.
            long seq;
            using (var next = c.Sql("UPDATE users SET event_seq = event_seq + 1 WHERE id = $u RETURNING event_seq", tx, ("$u", draft.UserId)))
                seq = next.ExecuteScalar() as long? ?? throw new InvalidOperationException($"Event for unknown user {draft.UserId}.");
            var json = JsonSerializer.SerializeToUtf8Bytes<ServerFrame>(draft.Event with { Seq = seq }, PenguinJson.Wire.ServerFrame);
            c.Execute(tx, "INSERT INTO user_events (user_id, seq, payload) VALUES ($u, $s, $p)", ("$u", draft.UserId), ("$s", seq), ("$p", json));
            committed.Add(new CommittedEvent(draft.UserId, seq, json));
        }
        return committed;
    }

    internal static Committed<T> Commit<T>(SqliteConnection c, SqliteTransaction tx, T value, EventsFor<T> events) =>
        new(value, Append(c, tx, events(value)));
}
