using Penguin.Core.Presence;
using Penguin.Protocol;

namespace Penguin.Storage.Postgres;

/// <summary>
/// Presence shared by every node of a cluster. A row belongs to the node that holds the device's connection:
/// that node alone refreshes it (<see cref="RefreshAsync"/>) and removes it, so a device that moved to another
/// node is not taken offline by the node it left. Rows of a crashed node expire after <paramref name="ttl"/>.
/// Each write is one statement in its own implicit transaction (<see cref="PostgresDatabase.CallAsync{T}"/>): one
/// round trip, no BEGIN/COMMIT around it.
/// </summary>
public sealed class PostgresPresenceRegistry(PostgresDatabase db, string nodeId, TimeSpan ttl) : IPresenceRegistry
{
    public string NodeId => nodeId;

    public TimeSpan Ttl => ttl;

    public async ValueTask SetAsync(long userId, DevicePresence device, CancellationToken cancellationToken = default) =>
        await db.CallAsync(c => c.ExecuteAsync(null, """
            INSERT INTO presence (session_id, user_id, node_id, device, status, expires_at)
            VALUES (@s, @u, @n, @d, @st, now() + @ttl)
            ON CONFLICT (session_id) DO UPDATE
                SET user_id = EXCLUDED.user_id, node_id = EXCLUDED.node_id, device = EXCLUDED.device,
                    status = EXCLUDED.status, expires_at = EXCLUDED.expires_at
            """, ("s", device.SessionId), ("u", userId), ("n", nodeId), ("d", (int)device.Device), ("st", (int)device.Status), ("ttl", ttl)), cancellationToken);

    public async ValueTask RemoveAsync(long userId, long sessionId, CancellationToken cancellationToken = default) =>
        await db.CallAsync(c => c.ExecuteAsync(null,
            "DELETE FROM presence WHERE session_id = @s AND user_id = @u AND node_id = @n", ("s", sessionId), ("u", userId), ("n", nodeId)), cancellationToken);

    public ValueTask<IReadOnlyList<DevicePresence>> GetAsync(long userId, CancellationToken cancellationToken = default) =>
        db.ReadAsync<IReadOnlyList<DevicePresence>>(async c => await c.QueryAsync(null,
            "SELECT session_id, device, status FROM presence WHERE user_id = @u AND expires_at > now() ORDER BY session_id",
            r => new DevicePresence(r.GetInt64(0), (DeviceKind)r.GetInt32(1), (PresenceStatus)r.GetInt32(2)), ("u", userId)), cancellationToken);

    /// <summary>Keeps this node's rows alive; call well within the TTL (every third of it, say).</summary>
    public async ValueTask<int> RefreshAsync(CancellationToken cancellationToken = default) =>
        await db.CallAsync(c => c.ExecuteAsync(null,
            "UPDATE presence SET expires_at = now() + @ttl WHERE node_id = @n", ("ttl", ttl), ("n", nodeId)), cancellationToken);

    /// <summary>
    /// Deletes expired rows and returns whose they were, so their friends can be told. DELETE ... RETURNING hands
    /// each row to exactly one node, however many sweep at once.
    /// </summary>
    public ValueTask<IReadOnlyList<long>> TakeExpiredAsync(int limit = 1000, CancellationToken cancellationToken = default) =>
        db.CallAsync<IReadOnlyList<long>>(async c => (await c.QueryAsync(null, """
            DELETE FROM presence WHERE session_id IN (
                SELECT session_id FROM presence WHERE expires_at <= now() ORDER BY expires_at LIMIT @n FOR UPDATE SKIP LOCKED)
            RETURNING user_id
            """, r => r.GetInt64(0), ("n", limit))).Distinct().ToList(), cancellationToken);

    /// <summary>Forgets the rows a previous run of this node left behind (same node id, restarted).</summary>
    public async ValueTask<IReadOnlyList<long>> ClearOwnAsync(CancellationToken cancellationToken = default) =>
        await db.CallAsync<IReadOnlyList<long>>(async c => (await c.QueryAsync(null,
            "DELETE FROM presence WHERE node_id = @n RETURNING user_id", r => r.GetInt64(0), ("n", nodeId))).Distinct().ToList(), cancellationToken);
}
