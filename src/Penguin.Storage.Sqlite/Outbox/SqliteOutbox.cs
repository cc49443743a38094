using Microsoft.Data.Sqlite;
using Penguin.Core.Outbox;

namespace Penguin.Storage.Sqlite;

/// <summary>
/// The embedded engine's half of the transactional outbox: a change's events appended to the users' logs in the
/// change's own transaction (on the writer thread), each with the user's next seq from <see cref="EventHeads"/>.
/// </summary>
internal static class SqliteOutbox
{
    /// <summary>
    /// Appends events inside the caller's transaction, each with its user's next seq; one INSERT per chunk of
    /// events. An event is stored in <see cref="StoredEventJson"/>'s format, except a message's event, which refers to
    /// the message row (it is built again when read, so the text is stored once and a recall is seen by every later read).
    /// </summary>
    internal static List<CommittedEvent> Append(EventHeads heads, SqliteConnection c, SqliteTransaction tx, IEnumerable<EventDraft> drafts)
    {
        var list = drafts as IReadOnlyList<EventDraft> ?? [.. drafts];
        var committed = new List<CommittedEvent>(list.Count);
        if (list.Count == 0) return committed;

        var rows = new (string, object?)[list.Count * Columns];
        for (var i = 0; i < list.Count; i++)
        {
            var draft = list[i];
            var seq = heads.Next(c, tx, draft.UserId);
            // The wire JSON is made only when published, after the commit; a message's event stores no JSON (see ReadAsync).
            committed.Add(new CommittedEvent(draft.UserId, seq, draft.Event));
            var messageId = StoredEventJson.MessageReference(draft.Event);
            var json = messageId is null ? StoredEventJson.Write(draft.Event) : [];
            rows[(Columns * i) + 0] = (Names[0][i % ChunkSize], draft.UserId);
            rows[(Columns * i) + 1] = (Names[1][i % ChunkSize], seq);
            rows[(Columns * i) + 2] = (Names[2][i % ChunkSize], json);
            rows[(Columns * i) + 3] = (Names[3][i % ChunkSize], messageId);
        }
        foreach (var chunk in rows.Chunk(ChunkSize * Columns)) c.Execute(tx, InsertSql(chunk.Length / Columns), chunk);
        return committed;
    }

    // Rows per statement: keeps the parameter count far below SQLite's limit and the statement texts few.
    private const int ChunkSize = 64;
    private const int Columns = 4;
    private static readonly string[] Insert = new string[ChunkSize + 1];
    private static readonly string[][] Names = [.. "uspm".Select(p => Enumerable.Range(0, ChunkSize).Select(i => $"${p}{i}").ToArray())];

    private static string InsertSql(int n) => Insert[n] ??= "INSERT INTO user_events (user_id, seq, payload, message_id) VALUES "
        + string.Join(", ", Enumerable.Range(0, n).Select(i => $"($u{i}, $s{i}, $p{i}, $m{i})"));

    internal static Committed<T> Commit<T>(EventHeads heads, SqliteConnection c, SqliteTransaction tx, T value, EventsFor<T> events) =>
        new(value, Append(heads, c, tx, events(value)));
}
