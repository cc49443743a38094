using Penguin.Core.Accounts;
using Penguin.Core.Files;

namespace Penguin.Storage.Sqlite;

/// <summary>Custom avatars in SQLite; the sweep and a save run on the writer thread, so they never interleave.</summary>
public sealed class SqliteAvatarStore(SqliteDatabase db) : IAvatarStore
{
    public async ValueTask SaveAsync(string sha256, byte[] image, DateTimeOffset now, CancellationToken cancellationToken = default) =>
        await db.WriteAsync((c, tx) => c.Execute(tx, """
            INSERT INTO avatars (sha256, image, created_at) VALUES ($h, $i, $c)
            ON CONFLICT (sha256) DO UPDATE SET created_at = excluded.created_at
            """, ("$h", sha256), ("$i", image), ("$c", now.ToUnixMs())), cancellationToken);

    public ValueTask<byte[]?> GetAsync(string sha256, CancellationToken cancellationToken = default) =>
        db.ReadAsync(c => c.QuerySingle(null, "SELECT image FROM avatars WHERE sha256 = $h", r => (byte[])r.GetValue(0), ("$h", sha256)), cancellationToken);

    public ValueTask<int> DeleteUnusedAsync(DateTimeOffset madeBefore, int limit, CancellationToken cancellationToken = default) =>
        db.WriteAsync((c, tx) => c.Execute(tx, """
            DELETE FROM avatars WHERE sha256 IN (
                SELECT a.sha256 FROM avatars a
                WHERE a.created_at < $before
                  AND NOT EXISTS (SELECT 1 FROM users u WHERE u.avatar = $prefix || a.sha256)
                  AND NOT EXISTS (SELECT 1 FROM chat_groups g WHERE g.avatar = $prefix || a.sha256)
                LIMIT $n)
            """, ("$before", madeBefore.ToUnixMs()), ("$prefix", Avatars.UploadedPrefix), ("$n", limit)), cancellationToken);
}
