using Npgsql;
using Penguin.Core.Common;
using Penguin.Core.Files;
using Penguin.Protocol;

namespace Penguin.Storage.Postgres;

/// <summary>
/// File metadata in PostgreSQL, shared by every node. Creating an upload locks the owner's user row (quota and the
/// count of uploads are checked and changed under it); adding a file locks its blob row FOR SHARE and reclaiming a
/// blob locks it FOR UPDATE before looking for files that refer to it, so a file is never added to bytes being deleted.
/// </summary>
public sealed class PostgresFileStore(PostgresDatabase db) : IFileStore
{
    private const string UploadColumns = "id, owner_id, name, content_type, size, sha256, received, created_at, expires_at, lease_token, lease_until";
    private const string FileColumns = "f.id, f.owner_id, f.sha256, f.name, f.content_type, f.size, f.created_at, f.expires_at, b.width, b.height, b.preview IS NOT NULL";
    private const string BlobColumns = "sha256, size, deleting, width, height, preview IS NOT NULL";

    public ValueTask<Result<UploadRecord>> CreateUploadAsync(UploadRecord upload, long quotaBytes, int maxUploads, CancellationToken cancellationToken = default) =>
        db.WriteAsync<Result<UploadRecord>>(async (c, tx) =>
        {
            await c.LockUsersAsync(tx, upload.OwnerId);
            var now = upload.CreatedAt.Utc();
            var inProgress = await c.ScalarAsync(tx, "SELECT COUNT(*) FROM uploads WHERE owner_id = @o AND expires_at > @now", ("o", upload.OwnerId), ("now", now)) ?? 0;
            if (inProgress >= maxUploads)
                return FileErrors.TooManyUploads.With($"You have {inProgress} uploads in progress, the most allowed; finish or cancel one first.", $"你有 {inProgress} 个上传正在进行，已达上限，请先完成或取消一个。");
            if (quotaBytes > 0 && await UsedAsync(c, tx, upload.OwnerId, now) + upload.Size > quotaBytes) return FileErrors.QuotaExceeded;
            await c.ExecuteAsync(tx, $"INSERT INTO uploads ({UploadColumns}) VALUES (@id, @o, @n, @t, @s, @h, 0, @c, @e, NULL, NULL)",
                ("id", upload.Id), ("o", upload.OwnerId), ("n", upload.Name), ("t", upload.ContentType), ("s", upload.Size), ("h", upload.Sha256),
                ("c", now), ("e", upload.ExpiresAt.Utc()));
            return upload with { CreatedAt = now, ExpiresAt = upload.ExpiresAt.Utc(), Received = 0, LeaseToken = null, LeaseUntil = null };
        }, cancellationToken);

    public ValueTask<UploadRecord?> FindUnfinishedUploadAsync(long ownerId, string sha256, long size, string name, string contentType, DateTimeOffset now,
        CancellationToken cancellationToken = default) =>
        db.ReadAsync(async c => await c.QuerySingleAsync(null, $"""
            SELECT {UploadColumns} FROM uploads
            WHERE owner_id = @o AND sha256 = @h AND size = @s AND name = @n AND content_type = @t AND expires_at > @now
            ORDER BY created_at DESC LIMIT 1
            """, ReadUpload, ("o", ownerId), ("h", sha256), ("s", size), ("n", name), ("t", contentType), ("now", now.Utc())), cancellationToken);

    public ValueTask<UploadRecord?> GetUploadAsync(string id, CancellationToken cancellationToken = default) =>
        db.ReadAsync(async c => await c.QuerySingleAsync(null, $"SELECT {UploadColumns} FROM uploads WHERE id = @id", ReadUpload, ("id", id)), cancellationToken);

    public ValueTask<Result<UploadRecord>> ClaimUploadAsync(string id, long ownerId, long offset, string leaseToken, DateTimeOffset now, DateTimeOffset leaseUntil,
        CancellationToken cancellationToken = default) =>
        db.WriteAsync<Result<UploadRecord>>(async (c, tx) =>
        {
            // A lease need not survive a crash (it would lapse anyway): its commit does not wait for the WAL flush, which
            // spares every chunk one of its durable waits. The confirmed offset (AdvanceUploadAsync) stays synchronous.
            await c.ExecuteAsync(tx, "SET LOCAL synchronous_commit = off");
            var upload = await c.QuerySingleAsync(tx, $"SELECT {UploadColumns} FROM uploads WHERE id = @id FOR UPDATE", ReadUpload, ("id", id));
            if (upload is null || upload.OwnerId != ownerId || upload.ExpiresAt <= now) return Errors.NotFound;
            if (upload.LeaseToken is not null && upload.LeaseUntil > now) return FileErrors.UploadBusy;
            if (offset != upload.Received) return OffsetError(upload.Received, offset);
            await c.ExecuteAsync(tx, "UPDATE uploads SET lease_token = @l, lease_until = @u WHERE id = @id", ("l", leaseToken), ("u", leaseUntil.Utc()), ("id", id));
            return upload with { LeaseToken = leaseToken, LeaseUntil = leaseUntil.Utc() };
        }, cancellationToken);

    public ValueTask<bool> RenewLeaseAsync(string id, string leaseToken, DateTimeOffset leaseUntil, CancellationToken cancellationToken = default) =>
        db.WriteAsync(async (c, tx) => await c.ExecuteAsync(tx, "UPDATE uploads SET lease_until = @u WHERE id = @id AND lease_token = @l",
            ("u", leaseUntil.Utc()), ("id", id), ("l", leaseToken)) == 1, cancellationToken);

    public ValueTask<bool> AdvanceUploadAsync(string id, string leaseToken, long received, DateTimeOffset expiresAt, CancellationToken cancellationToken = default) =>
        db.WriteAsync(async (c, tx) => await c.ExecuteAsync(tx, """
            UPDATE uploads SET received = @r, expires_at = @e, lease_token = NULL, lease_until = NULL
            WHERE id = @id AND lease_token = @l AND received <= @r AND @r <= size
            """, ("r", received), ("e", expiresAt.Utc()), ("id", id), ("l", leaseToken)) == 1, cancellationToken);

    public async ValueTask ReleaseLeaseAsync(string id, string leaseToken, CancellationToken cancellationToken = default) =>
        await db.WriteAsync(async (c, tx) => await c.ExecuteAsync(tx, "UPDATE uploads SET lease_token = NULL, lease_until = NULL WHERE id = @id AND lease_token = @l",
            ("id", id), ("l", leaseToken)), cancellationToken);

    public ValueTask<bool> DeleteUploadAsync(string id, CancellationToken cancellationToken = default) =>
        db.WriteAsync(async (c, tx) => await c.ExecuteAsync(tx, "DELETE FROM uploads WHERE id = @id", ("id", id)) == 1, cancellationToken);

    public ValueTask<Result<FileRecord>> AddFileAsync(FileRecord file, BlobRecord? blob, string? completedUploadId, long quotaBytes, DateTimeOffset now,
        CancellationToken cancellationToken = default) =>
        db.WriteAsync<Result<FileRecord>>(async (c, tx) =>
        {
            await c.LockUsersAsync(tx, file.OwnerId);
            if (blob is not null)
                await c.ExecuteAsync(tx, "INSERT INTO blobs (sha256, size, width, height, created_at) VALUES (@h, @s, @w, @ht, @c) ON CONFLICT (sha256) DO NOTHING",
                    ("h", blob.Sha256), ("s", blob.Size), ("w", blob.Width), ("ht", blob.Height), ("c", now.Utc()));
            // FOR SHARE: a sweeper reclaiming this blob (FOR UPDATE) waits for this file, or this waits and sees it deleting.
            var held = await c.QuerySingleAsync(tx, $"SELECT {BlobColumns} FROM blobs WHERE sha256 = @h FOR SHARE", ReadBlob, ("h", file.Sha256));
            if (held is null) return Errors.NotFound;
            if (held.Deleting) return blob is null ? Errors.NotFound : Errors.Unavailable;
            if (completedUploadId is null && quotaBytes > 0 && await UsedAsync(c, tx, file.OwnerId, now.Utc()) + file.Size > quotaBytes) return FileErrors.QuotaExceeded;
            if (completedUploadId is not null) await c.ExecuteAsync(tx, "DELETE FROM uploads WHERE id = @id", ("id", completedUploadId));
            await c.ExecuteAsync(tx, """
                INSERT INTO files (id, owner_id, sha256, name, content_type, size, created_at, expires_at)
                VALUES (@id, @o, @h, @n, @t, @s, @c, @e)
                """, ("id", file.Id), ("o", file.OwnerId), ("h", file.Sha256), ("n", file.Name), ("t", file.ContentType), ("s", file.Size),
                ("c", file.CreatedAt.Utc()), ("e", file.ExpiresAt.Utc()));
            return file with { CreatedAt = file.CreatedAt.Utc(), ExpiresAt = file.ExpiresAt.Utc(), Width = held.Width, Height = held.Height, HasPreview = held.HasPreview };
        }, cancellationToken);

    public ValueTask<BlobRecord?> GetBlobAsync(string sha256, CancellationToken cancellationToken = default) =>
        db.ReadAsync(async c => await c.QuerySingleAsync(null, $"SELECT {BlobColumns} FROM blobs WHERE sha256 = @h", ReadBlob, ("h", sha256)), cancellationToken);

    public async ValueTask SetPictureAsync(string sha256, PictureInfo picture, CancellationToken cancellationToken = default)
    {
        await db.WriteAsync(async (c, tx) =>
        {
            await using var cmd = c.Sql(tx, "UPDATE blobs SET width = @w, height = @h, preview = COALESCE(@p, preview) WHERE sha256 = @s",
                ("w", picture.Width), ("h", picture.Height), ("s", sha256));
            cmd.Parameters.Add(new NpgsqlParameter("p", NpgsqlTypes.NpgsqlDbType.Bytea) { Value = (object?)picture.Preview ?? DBNull.Value });
            return await cmd.ExecuteNonQueryAsync(cancellationToken);
        }, cancellationToken);
    }

    public ValueTask<byte[]?> GetPreviewAsync(string sha256, CancellationToken cancellationToken = default) =>
        db.ReadAsync(async c => await c.QuerySingleAsync(null, "SELECT preview FROM blobs WHERE sha256 = @h AND preview IS NOT NULL", r => (byte[])r.GetValue(0), ("h", sha256)),
            cancellationToken);

    public ValueTask<FileRecord?> GetFileAsync(string id, CancellationToken cancellationToken = default) =>
        db.ReadAsync(async c => await c.QuerySingleAsync(null, $"SELECT {FileColumns} FROM files f LEFT JOIN blobs b ON b.sha256 = f.sha256 WHERE f.id = @id", ReadFile, ("id", id)),
            cancellationToken);

    public ValueTask<long> UsedBytesAsync(long ownerId, DateTimeOffset now, CancellationToken cancellationToken = default) =>
        db.ReadAsync(c => UsedAsync(c, null, ownerId, now.Utc()), cancellationToken);

    public ValueTask<IReadOnlyList<UploadRecord>> TakeExpiredUploadsAsync(DateTimeOffset now, int limit, CancellationToken cancellationToken = default) =>
        db.WriteAsync<IReadOnlyList<UploadRecord>>(async (c, tx) => await c.QueryAsync(tx, $"""
            DELETE FROM uploads WHERE id IN (
                SELECT id FROM uploads WHERE expires_at <= @now AND (lease_until IS NULL OR lease_until <= @now) LIMIT @n FOR UPDATE SKIP LOCKED)
            RETURNING {UploadColumns}
            """, ReadUpload, ("now", now.Utc()), ("n", limit)), cancellationToken);

    public ValueTask<IReadOnlyList<string>> UnreachableBlobsAsync(DateTimeOffset now, int limit, CancellationToken cancellationToken = default) =>
        db.ReadAsync<IReadOnlyList<string>>(async c => await c.QueryAsync(null, """
            SELECT b.sha256 FROM blobs b
            WHERE b.deleting OR NOT EXISTS (SELECT 1 FROM files f WHERE f.sha256 = b.sha256 AND f.expires_at > @now)
            LIMIT @n
            """, r => r.GetString(0), ("now", now.Utc()), ("n", limit)), cancellationToken);

    public ValueTask<bool> MarkBlobDeletingAsync(string sha256, DateTimeOffset now, CancellationToken cancellationToken = default) =>
        db.WriteAsync(async (c, tx) =>
        {
            // The lock first, then the look for files in a statement of its own: it sees every file committed before the lock was granted.
            if (await c.ScalarAsync(tx, "SELECT 1 FROM blobs WHERE sha256 = @h FOR UPDATE", ("h", sha256)) is null) return false;
            return await c.ExecuteAsync(tx, """
                UPDATE blobs SET deleting = true
                WHERE sha256 = @h AND (deleting OR NOT EXISTS (SELECT 1 FROM files f WHERE f.sha256 = @h AND f.expires_at > @now))
                """, ("h", sha256), ("now", now.Utc())) == 1;
        }, cancellationToken);

    public async ValueTask DeleteBlobAsync(string sha256, CancellationToken cancellationToken = default) =>
        await db.WriteAsync(async (c, tx) => await c.ExecuteAsync(tx, "DELETE FROM blobs WHERE sha256 = @h AND deleting", ("h", sha256)), cancellationToken);

    private static async Task<long> UsedAsync(NpgsqlConnection c, NpgsqlTransaction? tx, long ownerId, DateTimeOffset now) => await c.ScalarAsync(tx, """
        SELECT COALESCE((SELECT SUM(size) FROM files WHERE owner_id = @o AND expires_at > @now), 0)
             + COALESCE((SELECT SUM(size) FROM uploads WHERE owner_id = @o AND expires_at > @now), 0)
        """, ("o", ownerId), ("now", now)) ?? 0;

    private static Error OffsetError(long confirmed, long offset) => offset > confirmed
        ? FileErrors.OffsetMismatch.With($"The chunk starts at {offset} but only {confirmed} bytes are confirmed: chunks must come in order; resume from {confirmed}.",
            $"分片从 {offset} 开始，但只确认了 {confirmed} 字节：分片须按顺序上传，请从 {confirmed} 继续。")
        : FileErrors.OffsetMismatch.With($"The chunk starts at {offset}, overlapping the {confirmed} bytes already confirmed; resume from {confirmed}.",
            $"分片从 {offset} 开始，与已确认的 {confirmed} 字节重叠，请从 {confirmed} 继续。");

    private static UploadRecord ReadUpload(NpgsqlDataReader r) => new(
        r.GetString(0), r.GetInt64(1), r.GetString(2), r.GetString(3), r.GetInt64(4), r.GetString(5), r.GetInt64(6),
        r.Instant(7), r.Instant(8), r.NullableString(9), r.IsDBNull(10) ? null : r.Instant(10));

    private static BlobRecord ReadBlob(NpgsqlDataReader r) => new(
        r.GetString(0), r.GetInt64(1), r.GetBoolean(2), r.IsDBNull(3) ? null : r.GetInt32(3), r.IsDBNull(4) ? null : r.GetInt32(4), r.GetBoolean(5));

    private static FileRecord ReadFile(NpgsqlDataReader r) => new(
        r.GetString(0), r.GetInt64(1), r.GetString(2), r.GetString(3), r.GetString(4), r.GetInt64(5), r.Instant(6), r.Instant(7),
        r.IsDBNull(8) ? null : r.GetInt32(8), r.IsDBNull(9) ? null : r.GetInt32(9), !r.IsDBNull(10) && r.GetBoolean(10));
}
