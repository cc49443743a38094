using Npgsql;
using Penguin.Core.Outbox;

namespace Penguin.Storage.Postgres;

/// <summary>The cluster engine's half of the transactional outbox: a change's events appended to the users' logs in the change's transaction.</summary>
internal static class PostgresOutbox
{
    /// <summary>
    /// Appends events inside the caller's transaction: each user's next seq, then the stored event. The
    /// UPDATE locks the user's row until commit, so concurrent appends for one user (from any node) take
    /// turns and the seqs have no gaps and no duplicates.
    /// </summary>
    internal static async Task<List<CommittedEvent>> AppendAsync(NpgsqlConnection c, NpgsqlTransaction tx, IEnumerable<EventDraft> drafts)
    {
        var list = drafts.ToList();
        // Take the recipients' row locks in id order (not the callback's order), as every other write does.
        await c.LockUsersAsync(tx, [.. list.Select(d => d.UserId)]);
        var committed = new List<CommittedEvent>();
        foreach (var draft in list)
        {
            var seq = await c.ScalarAsync(tx, "UPDATE users SET event_seq = event_seq + 1 WHERE id = @u RETURNING event_seq", ("u", draft.UserId))
                ?? throw new InvalidOperationException($"Event for unknown user {draft.UserId}.");
            // Stored in StoredEventJson's format, except a message's event, which stores no JSON but the message's id (see
            // PostgresEventLog.ReadAsync): it is built from the row when read. The wire JSON is made after the commit.
            var messageId = StoredEventJson.MessageReference(draft.Event);
            await c.ExecuteAsync(tx, "INSERT INTO user_events (user_id, seq, payload, message_id) VALUES (@u, @s, @p, @m)",
                ("u", draft.UserId), ("s", seq), ("p", messageId is null ? StoredEventJson.Write(draft.Event) : []), ("m", messageId));
            committed.Add(new CommittedEvent(draft.UserId, seq, draft.Event));
        }
        return committed;
    }

    internal static async Task<Committed<T>> CommitAsync<T>(NpgsqlConnection c, NpgsqlTransaction tx, T value, EventsFor<T> events) =>
        new(value, await AppendAsync(c, tx, events(value)));
}
