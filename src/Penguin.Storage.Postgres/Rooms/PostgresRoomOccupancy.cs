using Penguin.Core.Rooms;

namespace Penguin.Storage.Postgres;

/// <summary>
/// Room occupancy shared by the nodes of a cluster (table room_occupancy): a row per (room, user, node). Like
/// presence, a node alone writes and refreshes its rows, and the rows of a node that died expire after
/// <paramref name="ttl"/>. Each call is one statement: one round trip on enter and on leave, none per message.
/// </summary>
public sealed class PostgresRoomOccupancy(PostgresDatabase db, string nodeId, TimeSpan ttl) : IRoomOccupancy
{
    public TimeSpan Ttl => ttl;

    public async ValueTask<bool> EnterAsync(long roomId, long userId, CancellationToken cancellationToken = default) =>
        await db.CallAsync(async c => await c.ScalarAsync(null, """
            WITH upsert AS (
                INSERT INTO room_occupancy (room_id, user_id, node_id, expires_at) VALUES (@r, @u, @n, now() + @ttl)
                ON CONFLICT (room_id, user_id, node_id) DO UPDATE SET expires_at = EXCLUDED.expires_at)
            SELECT count(*) FROM room_occupancy WHERE room_id = @r AND user_id = @u AND node_id <> @n AND expires_at > now()
            """, ("r", roomId), ("u", userId), ("n", nodeId), ("ttl", ttl)) == 0, cancellationToken);

    public async ValueTask<bool> LeaveAsync(long roomId, long userId, CancellationToken cancellationToken = default) =>
        await db.CallAsync(async c => await c.ScalarAsync(null, """
            WITH gone AS (DELETE FROM room_occupancy WHERE room_id = @r AND user_id = @u AND node_id = @n)
            SELECT count(*) FROM room_occupancy WHERE room_id = @r AND user_id = @u AND node_id <> @n AND expires_at > now()
            """, ("r", roomId), ("u", userId), ("n", nodeId)) == 0, cancellationToken);

    public async ValueTask RemoveEverywhereAsync(long roomId, long userId, CancellationToken cancellationToken = default) =>
        await db.CallAsync(c => c.ExecuteAsync(null, "DELETE FROM room_occupancy WHERE room_id = @r AND user_id = @u", ("r", roomId), ("u", userId)), cancellationToken);

    public ValueTask<IReadOnlyList<long>> PeopleAsync(long roomId, CancellationToken cancellationToken = default) =>
        db.ReadAsync<IReadOnlyList<long>>(async c => await c.QueryAsync(null,
            "SELECT DISTINCT user_id FROM room_occupancy WHERE room_id = @r AND expires_at > now() ORDER BY user_id",
            r => r.GetInt64(0), ("r", roomId)), cancellationToken);

    public async ValueTask<IReadOnlyDictionary<long, int>> CountsAsync(IReadOnlyList<long> roomIds, CancellationToken cancellationToken = default)
    {
        if (roomIds.Count == 0) return new Dictionary<long, int>();
        var rows = await db.ReadAsync(async c => await c.QueryAsync(null, """
            SELECT room_id, count(DISTINCT user_id) FROM room_occupancy
            WHERE room_id = ANY(@rooms) AND expires_at > now() GROUP BY room_id
            """, r => (Room: r.GetInt64(0), People: (int)r.GetInt64(1)), ("rooms", roomIds.ToArray())), cancellationToken);
        return rows.ToDictionary(r => r.Room, r => r.People);
    }

    /// <summary>Keeps this node's rows alive; call well within the TTL.</summary>
    public async ValueTask RefreshAsync(CancellationToken cancellationToken = default) =>
        await db.CallAsync(c => c.ExecuteAsync(null, "UPDATE room_occupancy SET expires_at = now() + @ttl WHERE node_id = @n", ("ttl", ttl), ("n", nodeId)), cancellationToken);

    /// <summary>Deletes the rows of nodes that stopped refreshing them (they died).</summary>
    public async ValueTask SweepExpiredAsync(CancellationToken cancellationToken = default) =>
        await db.CallAsync(c => c.ExecuteAsync(null, "DELETE FROM room_occupancy WHERE expires_at <= now()"), cancellationToken);

    /// <summary>Forgets the rows an earlier run of this node left behind (same node id, restarted).</summary>
    public async ValueTask ClearOwnAsync(CancellationToken cancellationToken = default) =>
        await db.CallAsync(c => c.ExecuteAsync(null, "DELETE FROM room_occupancy WHERE node_id = @n", ("n", nodeId)), cancellationToken);
}
