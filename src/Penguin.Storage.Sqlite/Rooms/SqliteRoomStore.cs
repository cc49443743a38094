using Microsoft.Data.Sqlite;
using Penguin.Core.Common;
using Penguin.Core.Rooms;
using Penguin.Protocol;

namespace Penguin.Storage.Sqlite;

/// <summary>Chat rooms on the embedded engine. Writes run on the writer thread; a send and the trim of old messages share one transaction.</summary>
public sealed class SqliteRoomStore(SqliteDatabase db) : IRoomStore
{
    private const string RoomColumns = "id, name, topic, creator_id, created_at";

    public ValueTask<Result<RoomRecord>> CreateAsync(string name, string topic, long creatorId, DateTimeOffset createdAt, int maxCreated,
        CancellationToken cancellationToken = default) =>
        db.WriteAsync<Result<RoomRecord>>((c, tx) =>
        {
            if (c.Scalar(tx, "SELECT COUNT(*) FROM chat_rooms WHERE creator_id = $c", ("$c", creatorId)) >= maxCreated) return Errors.LimitReached;
            var id = c.Scalar(tx, "INSERT INTO chat_rooms (name, topic, creator_id, created_at) VALUES ($n, $t, $c, $at) RETURNING id",
                ("$n", name), ("$t", topic), ("$c", creatorId), ("$at", createdAt.ToUnixMs()));
            return new RoomRecord(id, name, topic, creatorId, DateTimeOffset.FromUnixTimeMilliseconds(createdAt.ToUnixMs()));
        }, cancellationToken);

    public ValueTask<RoomRecord?> GetAsync(long roomId, CancellationToken cancellationToken = default) =>
        db.ReadAsync(c => c.QuerySingle(null, $"SELECT {RoomColumns} FROM chat_rooms WHERE id = $r", ReadRoom, ("$r", roomId)), cancellationToken);

    public ValueTask<IReadOnlyList<RoomRecord>> ListAsync(string? topic, int limit, CancellationToken cancellationToken = default) =>
        db.ReadAsync<IReadOnlyList<RoomRecord>>(c => topic is null
            ? c.Query(null, $"SELECT {RoomColumns} FROM chat_rooms ORDER BY id LIMIT $l", ReadRoom, ("$l", limit))
            : c.Query(null, $"SELECT {RoomColumns} FROM chat_rooms WHERE topic = $t ORDER BY id LIMIT $l", ReadRoom, ("$t", topic), ("$l", limit)),
            cancellationToken);

    public ValueTask<IReadOnlyList<long>> ListModeratorsAsync(long roomId, CancellationToken cancellationToken = default) =>
        db.ReadAsync<IReadOnlyList<long>>(c => c.Query(null, "SELECT user_id FROM room_moderators WHERE room_id = $r ORDER BY appointed_at, user_id",
            r => r.GetInt64(0), ("$r", roomId)), cancellationToken);

    public ValueTask<bool> SetModeratorAsync(long roomId, long userId, bool moderator, DateTimeOffset at, CancellationToken cancellationToken = default) =>
        db.WriteAsync((c, tx) => (moderator
            ? c.Execute(tx, "INSERT INTO room_moderators (room_id, user_id, appointed_at) VALUES ($r, $u, $t) ON CONFLICT DO NOTHING",
                ("$r", roomId), ("$u", userId), ("$t", at.ToUnixMs()))
            : c.Execute(tx, "DELETE FROM room_moderators WHERE room_id = $r AND user_id = $u", ("$r", roomId), ("$u", userId))) > 0, cancellationToken);

    public ValueTask<bool> SetBannedAsync(long roomId, long userId, bool banned, long by, DateTimeOffset at, CancellationToken cancellationToken = default) =>
        db.WriteAsync((c, tx) => (banned
            ? c.Execute(tx, "INSERT INTO room_bans (room_id, user_id, banned_by, banned_at) VALUES ($r, $u, $b, $t) ON CONFLICT DO NOTHING",
                ("$r", roomId), ("$u", userId), ("$b", by), ("$t", at.ToUnixMs()))
            : c.Execute(tx, "DELETE FROM room_bans WHERE room_id = $r AND user_id = $u", ("$r", roomId), ("$u", userId))) > 0, cancellationToken);

    public ValueTask<bool> IsBannedAsync(long roomId, long userId, CancellationToken cancellationToken = default) =>
        db.ReadAsync(c => c.Scalar(null, "SELECT COUNT(*) FROM room_bans WHERE room_id = $r AND user_id = $u", ("$r", roomId), ("$u", userId)) > 0, cancellationToken);

    public ValueTask<IReadOnlyList<long>> ListBansAsync(long roomId, CancellationToken cancellationToken = default) =>
        db.ReadAsync<IReadOnlyList<long>>(c => c.Query(null, "SELECT user_id FROM room_bans WHERE room_id = $r ORDER BY banned_at, user_id",
            r => r.GetInt64(0), ("$r", roomId)), cancellationToken);

    public ValueTask<RoomMessageRecord> AppendMessageAsync(long roomId, long senderId, string text, DateTimeOffset sentAt, int keep, CancellationToken cancellationToken = default) =>
        db.WriteAsync((c, tx) =>
        {
            var id = c.Scalar(tx, "INSERT INTO room_messages (room_id, sender_id, body, sent_at) VALUES ($r, $s, $b, $t) RETURNING id",
                ("$r", roomId), ("$s", senderId), ("$b", text), ("$t", sentAt.ToUnixMs()));
            c.Execute(tx, """
                DELETE FROM room_messages WHERE room_id = $r AND id <= (
                    SELECT id FROM room_messages WHERE room_id = $r ORDER BY id DESC LIMIT 1 OFFSET $k)
                """, ("$r", roomId), ("$k", keep));
            return new RoomMessageRecord(id, roomId, senderId, text, DateTimeOffset.FromUnixTimeMilliseconds(sentAt.ToUnixMs()));
        }, cancellationToken);

    public ValueTask<IReadOnlyList<RoomMessageRecord>> RecentAsync(long roomId, int limit, CancellationToken cancellationToken = default) =>
        db.ReadAsync<IReadOnlyList<RoomMessageRecord>>(c =>
        {
            var rows = c.Query(null, "SELECT id, room_id, sender_id, body, sent_at FROM room_messages WHERE room_id = $r ORDER BY id DESC LIMIT $l",
                r => new RoomMessageRecord(r.GetInt64(0), r.GetInt64(1), r.GetInt64(2), r.GetString(3), r.FromUnixMs(4)), ("$r", roomId), ("$l", limit));
            rows.Reverse();
            return rows;
        }, cancellationToken);

    private static RoomRecord ReadRoom(SqliteDataReader r) => new(r.GetInt64(0), r.GetString(1), r.GetString(2), r.GetInt64(3), r.FromUnixMs(4));
}
