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

    /// <summary>
    /// Appends events inside the caller's transaction: the users' next seqs, then the stored wire JSON.
    /// Two statements per chunk of users however many events (not two per event): the writer thread's time
    /// goes mostly to per-statement overhead.
    /// </summary>
    internal static List<CommittedEvent> Append(SqliteConnection c, SqliteTransaction tx, IEnumerable<EventDraft> drafts)
    {
        var list = drafts as IReadOnlyList<EventDraft> ?? [.. drafts];
        var committed = new List<CommittedEvent>(list.Count);
        if (list.Count == 0) return committed;

        // Each user's seqs in draft order: the first is the new head minus the user's count plus one.
        var counts = new Dictionary<long, int>();
        foreach (var draft in list) counts[draft.UserId] = counts.GetValueOrDefault(draft.UserId) + 1;
        var next = new Dictionary<long, long>(counts.Count);
        foreach (var chunk in counts.Chunk(ChunkSize))
        {
            var parameters = new (string, object?)[chunk.Length * 2];
            for (var i = 0; i < chunk.Length; i++)
            {
                parameters[2 * i] = (Name("$u", i), chunk[i].Key);
                parameters[(2 * i) + 1] = (Name("$n", i), chunk[i].Value);
            }
            foreach (var (user, head) in c.Query(tx, ReserveSql(chunk.Length), r => (r.GetInt64(0), r.GetInt64(1)), parameters))
                next[user] = head - counts[user] + 1;
        }
        // A missing user means an event for a user who does not exist: a bug, which must not be stored.
        if (next.Count != counts.Count)
            throw new InvalidOperationException($"Event for unknown user {counts.Keys.First(u => !next.ContainsKey(u))}.");

        foreach (var draft in list)
        {
            var seq = next[draft.UserId]++;
            var json = JsonSerializer.SerializeToUtf8Bytes<ServerFrame>(draft.Event with { Seq = seq }, PenguinJson.Wire.ServerFrame);
            committed.Add(new CommittedEvent(draft.UserId, seq, json));
        }
        foreach (var chunk in committed.Chunk(ChunkSize))
        {
            var parameters = new (string, object?)[chunk.Length * 3];
            for (var i = 0; i < chunk.Length; i++)
            {
                parameters[3 * i] = (Name("$u", i), chunk[i].UserId);
                parameters[(3 * i) + 1] = (Name("$s", i), chunk[i].Seq);
                parameters[(3 * i) + 2] = (Name("$p", i), chunk[i].Json);
            }
            c.Execute(tx, InsertSql(chunk.Length), parameters);
        }
        return committed;
    }

    // Rows per statement: keeps the parameter count far below SQLite's limit and the statement texts few.
    private const int ChunkSize = 64;
    private static readonly string[] Reserve = new string[ChunkSize + 1];
    private static readonly string[] Insert = new string[ChunkSize + 1];
    private static readonly Dictionary<char, string[]> Names = "unsp".ToDictionary(p => p, p => Enumerable.Range(0, ChunkSize).Select(i => $"${p}{i}").ToArray());

    private static string ReserveSql(int n) => Reserve[n] ??= $"""
        UPDATE users SET event_seq = event_seq + CASE id {string.Concat(Enumerable.Range(0, n).Select(i => $"WHEN $u{i} THEN $n{i} "))}END
        WHERE id IN ({string.Join(", ", Enumerable.Range(0, n).Select(i => $"$u{i}"))}) RETURNING id, event_seq
        """;

    private static string InsertSql(int n) => Insert[n] ??=
        $"INSERT INTO user_events (user_id, seq, payload) VALUES {string.Join(", ", Enumerable.Range(0, n).Select(i => $"($u{i}, $s{i}, $p{i})"))}";

    private static string Name(string prefix, int i) => Names[prefix[1]][i];

    internal static Committed<T> Commit<T>(SqliteConnection c, SqliteTransaction tx, T value, EventsFor<T> events) =>
        new(value, Append(c, tx, events(value)));
}
