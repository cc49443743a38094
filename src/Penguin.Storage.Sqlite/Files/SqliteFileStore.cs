using Microsoft.Data.Sqlite;
using Penguin.Core.Common;
using Penguin.Core.Files;
using Penguin.Protocol;

namespace Penguin.Storage.Sqlite;

/// <summary>File metadata in SQLite. Checks and changes run together on the writer thread, so they never interleave.</summary>
public sealed class SqliteFileStore(SqliteDatabase db) : IFileStore
{
    private const string UploadColumns = "id, owner_id, name, content_type, size, sha256, received, created_at, expires_at, lease_token, lease_until";
    private const string FileColumns = "f.id, f.owner_id, f.sha256, f.name, f.content_type, f.size, f.created_at, f.expires_at, b.width, b.height, b.preview IS NOT NULL";

    public ValueTask<Result<UploadRecord>> CreateUploadAsync(UploadRecord upload, long quotaBytes, int maxUploads, CancellationToken cancellationToken = default) =>
        db.WriteAsync<Result<UploadRecord>>((c, tx) =>
        {
            var now = upload.CreatedAt.ToUnixMs();
            var inProgress = c.Scalar(tx, "SELECT COUNT(*) FROM uploads WHERE owner_id = $o AND expires_at > $now", ("$o", upload.OwnerId), ("$now", now));
            if (inProgress >= maxUploads)
                return FileErrors.TooManyUploads.With($"You have {inProgress} uploads in progress, the most allowed; finish or cancel one first.", $"你有 {inProgress} 个上传正在进行，已达上限，请先完成或取消一个。");
            if (quotaBytes > 0 && Used(c, tx, upload.OwnerId, now) + upload.Size > quotaBytes) return FileErrors.QuotaExceeded;
            c.Execute(tx, $"INSERT INTO uploads ({UploadColumns}) VALUES ($id, $o, $n, $t, $s, $h, 0, $c, $e, NULL, NULL)",
                ("$id", upload.Id), ("$o", upload.OwnerId), ("$n", upload.Name), ("$t", upload.ContentType), ("$s", upload.Size), ("$h", upload.Sha256),
                ("$c", now), ("$e", upload.ExpiresAt.ToUnixMs()));
            return upload with { Received = 0, LeaseToken = null, LeaseUntil = null };
        }, cancellationToken);

    public ValueTask<UploadRecord?> FindUnfinishedUploadAsync(long ownerId, string sha256, long size, string name, string contentType, DateTimeOffset now,
        CancellationToken cancellationToken = default) =>
        db.ReadAsync(c => c.QuerySingle(null, $"""
            SELECT {UploadColumns} FROM uploads
            WHERE owner_id = $o AND sha256 = $h AND size = $s AND name = $n AND content_type = $t AND expires_at > $now
            ORDER BY created_at DESC LIMIT 1
            """, ReadUpload, ("$o", ownerId), ("$h", sha256), ("$s", size), ("$n", name), ("$t", contentType), ("$now", now.ToUnixMs())), cancellationToken);

    public ValueTask<UploadRecord?> GetUploadAsync(string id, CancellationToken cancellationToken = default) =>
        db.ReadAsync(c => c.QuerySingle(null, $"SELECT {UploadColumns} FROM uploads WHERE id = $id", ReadUpload, ("$id", id)), cancellationToken);

    public ValueTask<Result<UploadRecord>> ClaimUploadAsync(string id, long ownerId, long offset, string leaseToken, DateTimeOffset now, DateTimeOffset leaseUntil,
        CancellationToken cancellationToken = default) =>
        db.WriteAsync<Result<UploadRecord>>((c, tx) =>
        {
            var upload = c.QuerySingle(tx, $"SELECT {UploadColumns} FROM uploads WHERE id = $id", ReadUpload, ("$id", id));
            if (upload is null || upload.OwnerId != ownerId || upload.ExpiresAt <= now) return Errors.NotFound;
            if (upload.LeaseToken is not null && upload.LeaseUntil > now) return FileErrors.UploadBusy;
            if (offset != upload.Received) return OffsetError(upload.Received, offset);
            c.Execute(tx, "UPDATE uploads SET lease_token = $l, lease_until = $u WHERE id = $id", ("$l", leaseToken), ("$u", leaseUntil.ToUnixMs()), ("$id", id));
            return upload with { LeaseToken = leaseToken, LeaseUntil = leaseUntil };
        }, cancellationToken);

    public ValueTask<bool> RenewLeaseAsync(string id, string leaseToken, DateTimeOffset leaseUntil, CancellationToken cancellationToken = default) =>
        db.WriteAsync((c, tx) => c.Execute(tx, "UPDATE uploads SET lease_until = $u WHERE id = $id AND lease_token = $l",
            ("$u", leaseUntil.ToUnixMs()), ("$id", id), ("$l", leaseToken)) == 1, cancellationToken);

    public ValueTask<bool> AdvanceUploadAsync(string id, string leaseToken, long received, DateTimeOffset expiresAt, CancellationToken cancellationToken = default) =>
        db.WriteAsync((c, tx) => c.Execute(tx, """
            UPDATE uploads SET received = $r, expires_at = $e, lease_token = NULL, lease_until = NULL
            WHERE id = $id AND lease_token = $l AND received <= $r AND $r <= size
            """, ("$r", received), ("$e", expiresAt.ToUnixMs()), ("$id", id), ("$l", leaseToken)) == 1, cancellationToken);

    public async ValueTask ReleaseLeaseAsync(string id, string leaseToken, CancellationToken cancellationToken = default) =>
        await db.WriteAsync((c, tx) => c.Execute(tx, "UPDATE uploads SET lease_token = NULL, lease_until = NULL WHERE id = $id AND lease_token = $l",
            ("$id", id), ("$l", leaseToken)), cancellationToken);

    public ValueTask<bool> DeleteUploadAsync(string id, CancellationToken cancellationToken = default) =>
        db.WriteAsync((c, tx) => c.Execute(tx, "DELETE FROM uploads WHERE id = $id", ("$id", id)) == 1, cancellationToken);

    public ValueTask<Result<FileRecord>> AddFileAsync(FileRecord file, BlobRecord? blob, string? completedUploadId, long quotaBytes, DateTimeOffset now,
        CancellationToken cancellationToken = default) =>
        db.WriteAsync<Result<FileRecord>>((c, tx) =>
        {
            var held = c.QuerySingle(tx, "SELECT sha256, size, deleting, width, height, preview IS NOT NULL FROM blobs WHERE sha256 = $h", ReadBlob, ("$h", file.Sha256));
            if (held is { Deleting: true }) return blob is null ? Errors.NotFound : Errors.Unavailable;
            if (held is null)
            {
                if (blob is null) return Errors.NotFound;
                c.Execute(tx, "INSERT INTO blobs (sha256, size, width, height, created_at) VALUES ($h, $s, $w, $ht, $c)",
                    ("$h", blob.Sha256), ("$s", blob.Size), ("$w", blob.Width), ("$ht", blob.Height), ("$c", now.ToUnixMs()));
                held = blob;
            }
            if (completedUploadId is null && quotaBytes > 0 && Used(c, tx, file.OwnerId, now.ToUnixMs()) + file.Size > quotaBytes) return FileErrors.QuotaExceeded;
            if (completedUploadId is not null) c.Execute(tx, "DELETE FROM uploads WHERE id = $id", ("$id", completedUploadId));
            c.Execute(tx, """
                INSERT INTO files (id, owner_id, sha256, name, content_type, size, created_at, expires_at)
                VALUES ($id, $o, $h, $n, $t, $s, $c, $e)
                """, ("$id", file.Id), ("$o", file.OwnerId), ("$h", file.Sha256), ("$n", file.Name), ("$t", file.ContentType), ("$s", file.Size),
                ("$c", file.CreatedAt.ToUnixMs()), ("$e", file.ExpiresAt.ToUnixMs()));
            return file with { Width = held.Width, Height = held.Height, HasPreview = held.HasPreview };
        }, cancellationToken);

    public ValueTask<BlobRecord?> GetBlobAsync(string sha256, CancellationToken cancellationToken = default) =>
        db.ReadAsync(c => c.QuerySingle(null, "SELECT sha256, size, deleting, width, height, preview IS NOT NULL FROM blobs WHERE sha256 = $h", ReadBlob, ("$h", sha256)),
            cancellationToken);

    public async ValueTask SetPictureAsync(string sha256, PictureInfo picture, CancellationToken cancellationToken = default) =>
        await db.WriteAsync((c, tx) => c.Execute(tx, "UPDATE blobs SET width = $w, height = $h, preview = COALESCE($p, preview) WHERE sha256 = $s",
            ("$w", picture.Width), ("$h", picture.Height), ("$p", picture.Preview), ("$s", sha256)), cancellationToken);

    public ValueTask<byte[]?> GetPreviewAsync(string sha256, CancellationToken cancellationToken = default) =>
        db.ReadAsync(c => c.QuerySingle(null, "SELECT preview FROM blobs WHERE sha256 = $h AND preview IS NOT NULL", r => (byte[])r.GetValue(0), ("$h", sha256)),
            cancellationToken);

    public ValueTask<FileRecord?> GetFileAsync(string id, CancellationToken cancellationToken = default) =>
        db.ReadAsync(c => c.QuerySingle(null, $"SELECT {FileColumns} FROM files f LEFT JOIN blobs b ON b.sha256 = f.sha256 WHERE f.id = $id", ReadFile, ("$id", id)),
            cancellationToken);

    public ValueTask<long> UsedBytesAsync(long ownerId, DateTimeOffset now, CancellationToken cancellationToken = default) =>
        db.ReadAsync(c => Used(c, null, ownerId, now.ToUnixMs()), cancellationToken);

    public ValueTask<IReadOnlyList<UploadRecord>> TakeExpiredUploadsAsync(DateTimeOffset now, int limit, CancellationToken cancellationToken = default) =>
        db.WriteAsync<IReadOnlyList<UploadRecord>>((c, tx) => c.Query(tx, $"""
            DELETE FROM uploads WHERE id IN (
                SELECT id FROM uploads WHERE expires_at <= $now AND (lease_until IS NULL OR lease_until <= $now) LIMIT $n)
            RETURNING {UploadColumns}
            """, ReadUpload, ("$now", now.ToUnixMs()), ("$n", limit)), cancellationToken);

    public ValueTask<IReadOnlyList<string>> UnreachableBlobsAsync(DateTimeOffset now, int limit, CancellationToken cancellationToken = default) =>
        db.ReadAsync<IReadOnlyList<string>>(c => c.Query(null, """
            SELECT b.sha256 FROM blobs b
            WHERE b.deleting = 1 OR NOT EXISTS (SELECT 1 FROM files f WHERE f.sha256 = b.sha256 AND f.expires_at > $now)
            LIMIT $n
            """, r => r.GetString(0), ("$now", now.ToUnixMs()), ("$n", limit)), cancellationToken);

    public ValueTask<bool> MarkBlobDeletingAsync(string sha256, DateTimeOffset now, CancellationToken cancellationToken = default) =>
        db.WriteAsync((c, tx) => c.Execute(tx, """
            UPDATE blobs SET deleting = 1
            WHERE sha256 = $h AND (deleting = 1 OR NOT EXISTS (SELECT 1 FROM files f WHERE f.sha256 = $h AND f.expires_at > $now))
            """, ("$h", sha256), ("$now", now.ToUnixMs())) == 1, cancellationToken);

    public async ValueTask DeleteBlobAsync(string sha256, CancellationToken cancellationToken = default) =>
        await db.WriteAsync((c, tx) => c.Execute(tx, "DELETE FROM blobs WHERE sha256 = $h AND deleting = 1", ("$h", sha256)), cancellationToken);

    private static long Used(SqliteConnection c, SqliteTransaction? tx, long ownerId, long now) => c.Scalar(tx, """
        SELECT COALESCE((SELECT SUM(size) FROM files WHERE owner_id = $o AND expires_at > $now), 0)
             + COALESCE((SELECT SUM(size) FROM uploads WHERE owner_id = $o AND expires_at > $now), 0)
        """, ("$o", ownerId), ("$now", now));

    internal static Error OffsetError(long confirmed, long offset) => offset > confirmed
        ? FileErrors.OffsetMismatch.With($"The chunk starts at {offset} but only {confirmed} bytes are confirmed: chunks must come in order; resume from {confirmed}.",
            $"分片从 {offset} 开始，但只确认了 {confirmed} 字节：分片须按顺序上传，请从 {confirmed} 继续。")
        : FileErrors.OffsetMismatch.With($"The chunk starts at {offset}, overlapping the {confirmed} bytes already confirmed; resume from {confirmed}.",
            $"分片从 {offset} 开始，与已确认的 {confirmed} 字节重叠，请从 {confirmed} 继续。");

    private static UploadRecord ReadUpload(SqliteDataReader r) => new(
        r.GetString(0), r.GetInt64(1), r.GetString(2), r.GetString(3), r.GetInt64(4), r.GetString(5), r.GetInt64(6),
        r.FromUnixMs(7), r.FromUnixMs(8), r.NullableString(9), r.IsDBNull(10) ? null : r.FromUnixMs(10));

    private static BlobRecord ReadBlob(SqliteDataReader r) => new(
        r.GetString(0), r.GetInt64(1), r.GetInt64(2) != 0, r.IsDBNull(3) ? null : r.GetInt32(3), r.IsDBNull(4) ? null : r.GetInt32(4), r.GetInt64(5) != 0);

    private static FileRecord ReadFile(SqliteDataReader r) => new(
        r.GetString(0), r.GetInt64(1), r.GetString(2), r.GetString(3), r.GetString(4), r.GetInt64(5), r.FromUnixMs(6), r.FromUnixMs(7),
        r.IsDBNull(8) ? null : r.GetInt32(8), r.IsDBNull(9) ? null : r.GetInt32(9), !r.IsDBNull(10) && r.GetInt64(10) != 0);
}
