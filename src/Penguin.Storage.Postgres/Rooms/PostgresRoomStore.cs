using Npgsql;
using Penguin.Core.Common;
using Penguin.Core.Rooms;
using Penguin.Protocol;

namespace Penguin.Storage.Postgres;

/// <summary>Chat rooms on PostgreSQL. A send and the trim of old messages share one transaction.</summary>
public sealed class PostgresRoomStore(PostgresDatabase db) : IRoomStore
{
    private const string RoomColumns = "id, name, topic, creator_id, created_at";

    public ValueTask<Result<RoomRecord>> CreateAsync(string name, string topic, long creatorId, DateTimeOffset createdAt, int maxCreated,
        CancellationToken cancellationToken = default) =>
        db.WriteAsync<Result<RoomRecord>>(async (c, tx) =>
        {
            // The creator's row lock makes one user's creations take turns, so the count below is the one the insert follows.
            await c.ExecuteAsync(tx, "SELECT 1 FROM users WHERE id = @c FOR UPDATE", ("c", creatorId));
            if (await c.ScalarAsync(tx, "SELECT COUNT(*) FROM chat_rooms WHERE creator_id = @c", ("c", creatorId)) >= maxCreated) return Errors.LimitReached;
            var id = (await c.ScalarAsync(tx, "INSERT INTO chat_rooms (name, topic, creator_id, created_at) VALUES (@n, @t, @c, @at) RETURNING id",
                ("n", name), ("t", topic), ("c", creatorId), ("at", createdAt.Utc())))!.Value;
            return new RoomRecord(id, name, topic, creatorId, createdAt.Utc());
        }, cancellationToken);

    public ValueTask<RoomRecord?> GetAsync(long roomId, CancellationToken cancellationToken = default) =>
        db.ReadAsync(c => c.QuerySingleAsync(null, $"SELECT {RoomColumns} FROM chat_rooms WHERE id = @r", ReadRoom, ("r", roomId)), cancellationToken);

    public async ValueTask<IReadOnlyList<RoomRecord>> ListAsync(string? topic, int limit, CancellationToken cancellationToken = default) =>
        await db.ReadAsync(c => topic is null
            ? c.QueryAsync(null, $"SELECT {RoomColumns} FROM chat_rooms ORDER BY id LIMIT @l", ReadRoom, ("l", limit))
            : c.QueryAsync(null, $"SELECT {RoomColumns} FROM chat_rooms WHERE topic = @t ORDER BY id LIMIT @l", ReadRoom, ("t", topic), ("l", limit)),
            cancellationToken);

    public async ValueTask<IReadOnlyList<long>> ListModeratorsAsync(long roomId, CancellationToken cancellationToken = default) =>
        await db.ReadAsync(c => c.QueryAsync(null, "SELECT user_id FROM room_moderators WHERE room_id = @r ORDER BY appointed_at, user_id",
            r => r.GetInt64(0), ("r", roomId)), cancellationToken);

    public ValueTask<bool> SetModeratorAsync(long roomId, long userId, bool moderator, DateTimeOffset at, CancellationToken cancellationToken = default) =>
        db.WriteAsync(async (c, tx) => (moderator
            ? await c.ExecuteAsync(tx, "INSERT INTO room_moderators (room_id, user_id, appointed_at) VALUES (@r, @u, @t) ON CONFLICT DO NOTHING",
                ("r", roomId), ("u", userId), ("t", at.Utc()))
            : await c.ExecuteAsync(tx, "DELETE FROM room_moderators WHERE room_id = @r AND user_id = @u", ("r", roomId), ("u", userId))) > 0, cancellationToken);

    public ValueTask<bool> SetBannedAsync(long roomId, long userId, bool banned, long by, DateTimeOffset at, CancellationToken cancellationToken = default) =>
        db.WriteAsync(async (c, tx) => (banned
            ? await c.ExecuteAsync(tx, "INSERT INTO room_bans (room_id, user_id, banned_by, banned_at) VALUES (@r, @u, @b, @t) ON CONFLICT DO NOTHING",
                ("r", roomId), ("u", userId), ("b", by), ("t", at.Utc()))
            : await c.ExecuteAsync(tx, "DELETE FROM room_bans WHERE room_id = @r AND user_id = @u", ("r", roomId), ("u", userId))) > 0, cancellationToken);

    public async ValueTask<bool> IsBannedAsync(long roomId, long userId, CancellationToken cancellationToken = default) =>
        await db.ReadAsync(c => c.ScalarAsync(null, "SELECT 1 FROM room_bans WHERE room_id = @r AND user_id = @u", ("r", roomId), ("u", userId)), cancellationToken) is not null;

    public async ValueTask<IReadOnlyList<long>> ListBansAsync(long roomId, CancellationToken cancellationToken = default) =>
        await db.ReadAsync(c => c.QueryAsync(null, "SELECT user_id FROM room_bans WHERE room_id = @r ORDER BY banned_at, user_id",
            r => r.GetInt64(0), ("r", roomId)), cancellationToken);

    public ValueTask<RoomMessageRecord> AppendMessageAsync(long roomId, long senderId, string text, DateTimeOffset sentAt, int keep, CancellationToken cancellationToken = default) =>
        db.WriteAsync(async (c, tx) =>
        {
            var id = (await c.ScalarAsync(tx, "INSERT INTO room_messages (room_id, sender_id, body, sent_at) VALUES (@r, @s, @b, @t) RETURNING id",
                ("r", roomId), ("s", senderId), ("b", text), ("t", sentAt.Utc())))!.Value;
            await c.ExecuteAsync(tx, """
                DELETE FROM room_messages WHERE room_id = @r AND id <= (
                    SELECT id FROM room_messages WHERE room_id = @r ORDER BY id DESC LIMIT 1 OFFSET @k)
                """, ("r", roomId), ("k", keep));
            return new RoomMessageRecord(id, roomId, senderId, text, sentAt.Utc());
        }, cancellationToken);

    public async ValueTask<IReadOnlyList<RoomMessageRecord>> RecentAsync(long roomId, int limit, CancellationToken cancellationToken = default)
    {
        var rows = await db.ReadAsync(c => c.QueryAsync(null, "SELECT id, room_id, sender_id, body, sent_at FROM room_messages WHERE room_id = @r ORDER BY id DESC LIMIT @l",
            r => new RoomMessageRecord(r.GetInt64(0), r.GetInt64(1), r.GetInt64(2), r.GetString(3), r.Instant(4)), ("r", roomId), ("l", limit)), cancellationToken);
        rows.Reverse();
        return rows;
    }

    private static RoomRecord ReadRoom(NpgsqlDataReader r) => new(r.GetInt64(0), r.GetString(1), r.GetString(2), r.GetInt64(3), r.Instant(4));
}
