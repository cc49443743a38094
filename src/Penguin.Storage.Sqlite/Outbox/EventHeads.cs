using Microsoft.Data.Sqlite;

namespace Penguin.Storage.Sqlite;

/// <summary>
/// The last seq of each user's event log, kept by the writer thread (the only one that appends), so that an
/// append is one INSERT and not also an UPDATE of the user's row. A head is read from the log on first use and
/// counted in memory after that; all heads are forgotten whenever a transaction or savepoint rolls back, as they
/// may then be ahead of what is stored, and are read again inside the next transaction.
/// </summary>
internal sealed class EventHeads
{
    // Bounds the memory: past this many users the heads are simply read again.
    private const int MaxUsers = 1_000_000;
    private readonly Dictionary<long, long> _heads = [];

    /// <summary>The user's current head; throws for a user who does not exist (an event for them is a bug).</summary>
    public long Peek(SqliteConnection c, SqliteTransaction tx, long userId)
    {
        if (_heads.TryGetValue(userId, out var head)) return head;
        var stored = c.Query(tx, "SELECT (SELECT MAX(seq) FROM user_events WHERE user_id = $u) FROM users WHERE id = $u",
            r => r.IsDBNull(0) ? 0 : r.GetInt64(0), ("$u", userId));
        if (stored.Count == 0) throw new InvalidOperationException($"Event for unknown user {userId}.");
        if (_heads.Count >= MaxUsers) _heads.Clear();
        return _heads[userId] = stored[0];
    }

    /// <summary>Takes the user's next seq.</summary>
    public long Next(SqliteConnection c, SqliteTransaction tx, long userId) => _heads[userId] = Peek(c, tx, userId) + 1;

    public void Forget() => _heads.Clear();
}
