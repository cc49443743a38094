using Penguin.Core.Accounts;
using Penguin.Core.Files;

namespace Penguin.Storage.Postgres;

/// <summary>
/// Custom avatars in PostgreSQL. A save refreshes the avatar's age; the sweep's DELETE re-checks the age of a row changed
/// under it (read committed), so an avatar being set again is never taken.
/// </summary>
public sealed class PostgresAvatarStore(PostgresDatabase db) : IAvatarStore
{
    public async ValueTask SaveAsync(string sha256, byte[] image, DateTimeOffset now, CancellationToken cancellationToken = default) =>
        await db.WriteAsync(async (c, tx) => await c.ExecuteAsync(tx, """
            INSERT INTO avatars (sha256, image, created_at) VALUES (@h, @i, @c)
            ON CONFLICT (sha256) DO UPDATE SET created_at = excluded.created_at
            """, ("h", sha256), ("i", image), ("c", now.Utc())), cancellationToken);

    public ValueTask<byte[]?> GetAsync(string sha256, CancellationToken cancellationToken = default) =>
        db.ReadAsync(async c => await c.QuerySingleAsync(null, "SELECT image FROM avatars WHERE sha256 = @h", r => (byte[])r.GetValue(0), ("h", sha256)),
            cancellationToken);

    public ValueTask<int> DeleteUnusedAsync(DateTimeOffset madeBefore, int limit, CancellationToken cancellationToken = default) =>
        db.WriteAsync(async (c, tx) => await c.ExecuteAsync(tx, """
            DELETE FROM avatars WHERE sha256 IN (
                SELECT a.sha256 FROM avatars a
                WHERE a.created_at < @before
                  AND NOT EXISTS (SELECT 1 FROM users u WHERE u.avatar = @prefix || a.sha256)
                  AND NOT EXISTS (SELECT 1 FROM chat_groups g WHERE g.avatar = @prefix || a.sha256)
                LIMIT @n)
              AND created_at < @before
            """, ("before", madeBefore.Utc()), ("prefix", Avatars.UploadedPrefix), ("n", limit)), cancellationToken);
}
