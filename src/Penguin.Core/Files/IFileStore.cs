using Penguin.Core.Common;

namespace Penguin.Core.Files;

/// <summary>
/// File metadata: uploads in progress, the bytes held (blobs, one per SHA-256) and the files people own (references to
/// blobs). A blob is reachable while a file referring to it has not expired; the sweeper reclaims the others.
/// </summary>
public interface IFileStore
{
    /// <summary>
    /// Stores a new upload if the owner has fewer than <paramref name="maxUploads"/> in progress and its size fits the
    /// quota (0: none) beside the owner's unexpired files and uploads; checked and stored atomically.
    /// </summary>
    ValueTask<Result<UploadRecord>> CreateUploadAsync(UploadRecord upload, long quotaBytes, int maxUploads, CancellationToken cancellationToken = default);

    /// <summary>
    /// The owner's unexpired upload of exactly these bytes under this name and type (the newest when several), so a client
    /// that lost the upload's id (killed, restarted) resumes it instead of starting again; null when there is none.
    /// </summary>
    ValueTask<UploadRecord?> FindUnfinishedUploadAsync(long ownerId, string sha256, long size, string name, string contentType, DateTimeOffset now,
        CancellationToken cancellationToken = default);

    /// <summary>The upload, expired or not; null when unknown.</summary>
    ValueTask<UploadRecord?> GetUploadAsync(string id, CancellationToken cancellationToken = default);

    /// <summary>
    /// Takes the upload for writing a chunk at <paramref name="offset"/>: not found (unknown, another owner's, expired),
    /// offset mismatch (not its confirmed offset), or busy (another writer's lease has not lapsed).
    /// </summary>
    ValueTask<Result<UploadRecord>> ClaimUploadAsync(string id, long ownerId, long offset, string leaseToken, DateTimeOffset now, DateTimeOffset leaseUntil,
        CancellationToken cancellationToken = default);

    /// <summary>Extends a held lease; false when it is no longer this writer's.</summary>
    ValueTask<bool> RenewLeaseAsync(string id, string leaseToken, DateTimeOffset leaseUntil, CancellationToken cancellationToken = default);

    /// <summary>Confirms the bytes up to <paramref name="received"/> and releases the lease; false when the lease was lost.</summary>
    ValueTask<bool> AdvanceUploadAsync(string id, string leaseToken, long received, DateTimeOffset expiresAt, CancellationToken cancellationToken = default);

    ValueTask ReleaseLeaseAsync(string id, string leaseToken, CancellationToken cancellationToken = default);

    ValueTask<bool> DeleteUploadAsync(string id, CancellationToken cancellationToken = default);

    /// <summary>
    /// Adds a file. With <paramref name="blob"/> null the bytes must be held already (秒传), and the file must fit the
    /// owner's quota: otherwise not found / quota exceeded. With a blob (an upload just committed) its row is added
    /// unless held, and the upload <paramref name="completedUploadId"/> is removed in the same transaction.
    /// <see cref="Protocol.Errors.Unavailable"/> when the bytes are being reclaimed at that moment.
    /// </summary>
    ValueTask<Result<FileRecord>> AddFileAsync(FileRecord file, BlobRecord? blob, string? completedUploadId, long quotaBytes, DateTimeOffset now,
        CancellationToken cancellationToken = default);

    ValueTask<BlobRecord?> GetBlobAsync(string sha256, CancellationToken cancellationToken = default);

    /// <summary>Records a picture's dimensions and preview on its bytes (learnt when first sent as a picture).</summary>
    ValueTask SetPictureAsync(string sha256, PictureInfo picture, CancellationToken cancellationToken = default);

    ValueTask<byte[]?> GetPreviewAsync(string sha256, CancellationToken cancellationToken = default);

    /// <summary>The file with its blob's picture facts, expired or not; null when unknown.</summary>
    ValueTask<FileRecord?> GetFileAsync(string id, CancellationToken cancellationToken = default);

    /// <summary>Bytes counted against the owner's quota now: unexpired files and uploads in progress.</summary>
    ValueTask<long> UsedBytesAsync(long ownerId, DateTimeOffset now, CancellationToken cancellationToken = default);

    /// <summary>Removes up to <paramref name="limit"/> uploads past their expiry that no writer holds, and returns them (their bytes are the caller's to delete).</summary>
    ValueTask<IReadOnlyList<UploadRecord>> TakeExpiredUploadsAsync(DateTimeOffset now, int limit, CancellationToken cancellationToken = default);

    /// <summary>Blobs no unexpired file refers to, and blobs whose reclaiming was begun and not finished.</summary>
    ValueTask<IReadOnlyList<string>> UnreachableBlobsAsync(DateTimeOffset now, int limit, CancellationToken cancellationToken = default);

    /// <summary>Begins reclaiming a blob, if it is still unreachable (checked under its lock); true when its bytes may now be deleted.</summary>
    ValueTask<bool> MarkBlobDeletingAsync(string sha256, DateTimeOffset now, CancellationToken cancellationToken = default);

    /// <summary>Removes the row of a blob whose bytes were deleted.</summary>
    ValueTask DeleteBlobAsync(string sha256, CancellationToken cancellationToken = default);
}
