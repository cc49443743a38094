using System.Text.Json;
using Npgsql;
using Penguin.Core.Outbox;
using Penguin.Protocol;

namespace Penguin.Storage.Postgres;

/// <summary>The cluster engine's half of the transactional outbox: a change's events appended to the users' logs in the change's transaction.</summary>
internal static class PostgresOutbox
{
    /// <summary>
    /// Appends events inside the caller's transaction: each user's next seq, then the stored wire JSON. The
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
            var json = JsonSerializer.SerializeToUtf8Bytes<ServerFrame>(draft.Event with { Seq = seq }, PenguinJson.Wire.ServerFrame);
            await c.ExecuteAsync(tx, "INSERT INTO user_events (user_id, seq, payload) VALUES (@u, @s, @p)", ("u", draft.UserId), ("s", seq), ("p", json));
            committed.Add(new CommittedEvent(draft.UserId, seq, json));
        }
        return committed;
    }

    internal static async Task<Committed<T>> CommitAsync<T>(NpgsqlConnection c, NpgsqlTransaction tx, T value, EventsFor<T> events) =>
        new(value, await AppendAsync(c, tx, events(value)));
}
