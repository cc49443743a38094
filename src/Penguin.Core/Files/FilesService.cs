using System.Security.Cryptography;
using Penguin.Core.Common;
using Penguin.Protocol;

namespace Penguin.Core.Files;

/// <summary>
/// Files, pictures and voice clips: resumable uploads addressed by SHA-256 (a file already held completes at once),
/// downloads for the uploader and those a feature vouches for (<see cref="IFileAccess"/>), expiry and reclaiming.
/// Bytes only ever stream between the request and the <see cref="IBlobStore"/>.
/// </summary>
public sealed class FilesService(
    IFileStore store,
    IBlobStore blobs,
    IPictureInspector pictures,
    IEnumerable<IFileAccess> access,
    TimeProvider time,
    FilesOptions options)
{
    private const int SweepBatch = 500;

    /// <summary>Announces a file: stored at once when its bytes are held (秒传), otherwise an upload to send them to.</summary>
    public async ValueTask<Result<UploadResult>> CreateUploadAsync(long userId, CreateUpload request, CancellationToken cancellationToken = default)
    {
        if (FileRules.CheckName(request.Name) is { } badName) return badName;
        if (FileRules.NormalizeContentType(request.ContentType) is not { } contentType)
            return Errors.InvalidField.With("'contentType' must be a MIME type such as image/png.", "“contentType”须为 MIME 类型，例如 image/png。");
        var sha256 = request.Sha256?.Trim().ToLowerInvariant();
        if (!FileRules.IsSha256(sha256)) return Errors.InvalidField.With("'sha256' must be 64 hexadecimal digits.", "“sha256”须为 64 位十六进制数字。");
        if (request.Size < 0) return Errors.InvalidField.With("'size' must not be negative.", "“size”不能为负数。");
        if (request.Size > options.MaxFileBytes)
            return FileErrors.FileTooLarge.With($"The file is larger than the limit of {options.MaxFileBytes} bytes.", $"文件超过 {options.MaxFileBytes} 字节的限制。");

        var now = time.GetUtcNow();
        var name = request.Name.Trim();
        if (await store.GetBlobAsync(sha256, cancellationToken) is { Deleting: false } held && held.Size == request.Size)
        {
            if (FileRules.IsPicture(contentType))
            {
                var checkedPicture = await CheckHeldPictureAsync(held, contentType, cancellationToken);
                if (!checkedPicture.IsOk) return checkedPicture.Error;
            }
            var added = await store.AddFileAsync(NewFile(userId, sha256, name, contentType, request.Size, now), null, null, options.QuotaBytes, now, cancellationToken);
            if (added.IsOk) return new UploadResult(File: added.Value.ToWire());
            if (added.Error.Code != Errors.NotFound.Code) return added.Error;
            // Reclaimed meanwhile: upload the bytes after all.
        }

        // The same file announced again by its uploader (a client restarted and lost the id): the upload as it stands.
        if (await store.FindUnfinishedUploadAsync(userId, sha256, request.Size, name, contentType, now, cancellationToken) is { } unfinished)
            return new UploadResult(Upload: ToWire(unfinished));

        var upload = new UploadRecord(FileRules.NewId(), userId, name, contentType, request.Size, sha256, 0, now, now + options.UploadLifetime);
        var created = await store.CreateUploadAsync(upload, options.QuotaBytes, options.MaxUploadsPerUser, cancellationToken);
        return created.IsOk ? new UploadResult(Upload: ToWire(created.Value)) : created.Error;
    }

    /// <summary>Where an upload of the caller stands; not found for anyone else's, an unknown or an expired one.</summary>
    public async ValueTask<Result<UploadStatus>> GetUploadAsync(long userId, string uploadId, CancellationToken cancellationToken = default) =>
        await FindUploadAsync(userId, uploadId, cancellationToken) is { } upload ? ToWire(upload) : Errors.NotFound;

    /// <summary>
    /// Appends one chunk at <paramref name="offset"/>, which must be the confirmed offset (anything else: a clear error,
    /// nothing written). With <paramref name="chunkSha256"/> the chunk's bytes are checked against it; a chunk that
    /// fails, breaks off or runs past the announced size is dropped whole, and the confirmed offset stays where it was.
    /// </summary>
    public async ValueTask<Result<UploadStatus>> WriteChunkAsync(long userId, string uploadId, long offset, Stream body, string? chunkSha256,
        CancellationToken cancellationToken = default)
    {
        if (!FileRules.IsId(uploadId)) return Errors.NotFound;
        if (chunkSha256 is not null)
        {
            chunkSha256 = chunkSha256.Trim().ToLowerInvariant();
            if (!FileRules.IsSha256(chunkSha256)) return Errors.InvalidField.With("The chunk hash must be 64 hexadecimal digits.", "分片哈希须为 64 位十六进制数字。");
        }
        if (offset < 0) return Errors.InvalidField.With("The offset must not be negative.", "偏移量不能为负数。");

        var lease = FileRules.NewId();
        var now = time.GetUtcNow();
        var claimed = await store.ClaimUploadAsync(uploadId, userId, offset, lease, now, now + options.UploadLease, cancellationToken);
        if (!claimed.IsOk) return claimed.Error;
        var upload = claimed.Value;

        using var leaseLost = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        using var stopRenewing = new CancellationTokenSource();
        var renewing = RenewLeaseAsync(uploadId, lease, leaseLost, stopRenewing.Token);
        using var hash = chunkSha256 is null ? null : IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        var room = upload.Size - offset;
        long seen = 0;
        var confirmed = false;
        try
        {
            long written;
            try
            {
                written = await blobs.WritePartAsync(uploadId, offset, body, chunk =>
                {
                    seen += chunk.Length;
                    if (seen > room) throw new ChunkTooLongException();
                    hash?.AppendData(chunk);
                }, leaseLost.Token);
            }
            catch (ChunkTooLongException)
            {
                return FileErrors.FileTooLarge.With($"The chunk runs past the announced size of {upload.Size} bytes.", $"分片超出了声明的文件大小（{upload.Size} 字节）。");
            }
            catch (Exception e) when (e is OperationCanceledException or IOException && !cancellationToken.IsCancellationRequested && leaseLost.IsCancellationRequested)
            {
                return FileErrors.UploadBusy;
            }
            if (hash is not null && !CryptographicOperations.FixedTimeEquals(Convert.FromHexString(chunkSha256!), hash.GetHashAndReset()))
                return FileErrors.ChunkHashMismatch;

            await stopRenewing.CancelAsync();
            await renewing;
            confirmed = await store.AdvanceUploadAsync(uploadId, lease, offset + written, time.GetUtcNow() + options.UploadLifetime, CancellationToken.None);
            if (!confirmed) return FileErrors.UploadBusy;
            return ToWire(upload with { Received = offset + written, ExpiresAt = time.GetUtcNow() + options.UploadLifetime });
        }
        finally
        {
            await stopRenewing.CancelAsync();
            await renewing;
            if (!confirmed)
            {
                // Whatever arrived of a refused or broken chunk is not kept; the next writer would drop it anyway.
                await blobs.TruncatePartAsync(uploadId, offset, CancellationToken.None);
                await store.ReleaseLeaseAsync(uploadId, lease, CancellationToken.None);
            }
        }
    }

    /// <summary>
    /// Completes an upload whose bytes have all arrived: their SHA-256 must be the announced one and a picture must be
    /// what its type says, or nothing is stored and the upload is gone. Returns the stored file, whose id is the upload's:
    /// so a completion repeated after a success (its answer lost with the connection) answers the same file again.
    /// </summary>
    public async ValueTask<Result<StoredFile>> CompleteAsync(long userId, string uploadId, CancellationToken cancellationToken = default)
    {
        if (await FindUploadAsync(userId, uploadId, cancellationToken) is not { } found) return await CompletedAsync(userId, uploadId, cancellationToken);
        if (found.Received < found.Size)
            return FileErrors.UploadIncomplete.With($"{found.Received} of {found.Size} bytes have arrived; send the rest from offset {found.Received}.",
                $"已收到 {found.Size} 字节中的 {found.Received} 字节，请从偏移量 {found.Received} 继续上传。");

        var lease = FileRules.NewId();
        var now = time.GetUtcNow();
        var claimed = await store.ClaimUploadAsync(uploadId, userId, found.Size, lease, now, now + options.UploadLease, cancellationToken);
        if (!claimed.IsOk)
        {
            if (claimed.Error.Code == Errors.NotFound.Code) return await CompletedAsync(userId, uploadId, cancellationToken);
            return claimed.Error.Code == FileErrors.OffsetMismatch.Code ? FileErrors.UploadIncomplete : claimed.Error;
        }
        var upload = claimed.Value;
        var done = false;
        try
        {
            byte[] digest;
            await using (var part = await blobs.OpenPartAsync(uploadId, cancellationToken))
                digest = await SHA256.HashDataAsync(part, cancellationToken);
            if (Convert.ToHexStringLower(digest) != upload.Sha256) return await DiscardAsync(upload, FileErrors.FileHashMismatch);

            PictureInfo? picture = null;
            if (FileRules.IsPicture(upload.ContentType))
            {
                var inspected = await pictures.InspectAsync(ct => blobs.OpenPartAsync(uploadId, ct), upload.ContentType, makePreview: true, cancellationToken);
                if (!inspected.IsOk) return await DiscardAsync(upload, inspected.Error);
                picture = inspected.Value;
            }

            var file = NewFile(userId, upload.Sha256, upload.Name, upload.ContentType, upload.Size, time.GetUtcNow()) with { Id = uploadId };
            var held = await store.GetBlobAsync(upload.Sha256, cancellationToken);
            if (held is { Deleting: true }) return Errors.Unavailable;
            if (held is null) await blobs.CommitPartAsync(uploadId, upload.Sha256, cancellationToken);
            var blob = new BlobRecord(upload.Sha256, upload.Size, false, picture?.Width, picture?.Height);
            var added = await store.AddFileAsync(file, blob, uploadId, options.QuotaBytes, time.GetUtcNow(), CancellationToken.None);
            if (!added.IsOk) return added.Error;
            done = true;
            if (held is not null) await blobs.DeletePartAsync(uploadId, CancellationToken.None);
            if (picture is not null && (held is null || held.Width is null)) await store.SetPictureAsync(upload.Sha256, picture, CancellationToken.None);
            return (added.Value with { Width = picture?.Width ?? added.Value.Width, Height = picture?.Height ?? added.Value.Height, HasPreview = picture?.Preview is not null || added.Value.HasPreview }).ToWire();
        }
        finally
        {
            if (!done) await store.ReleaseLeaseAsync(uploadId, lease, CancellationToken.None);
        }
    }

    /// <summary>The file an earlier completion of the caller's upload stored (same id); not found for anyone else's or when there was none.</summary>
    private async ValueTask<Result<StoredFile>> CompletedAsync(long userId, string uploadId, CancellationToken cancellationToken)
    {
        if (!FileRules.IsId(uploadId) || await store.GetFileAsync(uploadId, cancellationToken) is not { } file || file.OwnerId != userId) return Errors.NotFound;
        return file.ExpiresAt <= time.GetUtcNow() ? FileErrors.FileExpired : file.ToWire();
    }

    /// <summary>Cancels an upload of the caller's and deletes what arrived of it.</summary>
    public async ValueTask<Result<bool>> CancelUploadAsync(long userId, string uploadId, CancellationToken cancellationToken = default)
    {
        if (await FindUploadAsync(userId, uploadId, cancellationToken) is not { } upload) return Errors.NotFound;
        await store.DeleteUploadAsync(upload.Id, cancellationToken);
        await blobs.DeletePartAsync(upload.Id, CancellationToken.None);
        return true;
    }

    /// <summary>
    /// The file if the caller may download it (the uploader, or someone a feature vouches for); not found for anyone else,
    /// whether or not it exists. Expired: <see cref="FileErrors.FileExpired"/>, to those who may see it.
    /// </summary>
    public async ValueTask<Result<FileRecord>> AuthorizeAsync(long userId, string fileId, CancellationToken cancellationToken = default)
    {
        if (!FileRules.IsId(fileId) || await store.GetFileAsync(fileId, cancellationToken) is not { } file) return Errors.NotFound;
        if (file.OwnerId != userId && !await VouchedAsync(userId, fileId, cancellationToken)) return Errors.NotFound;
        return file.ExpiresAt <= time.GetUtcNow() ? FileErrors.FileExpired : file;
    }

    /// <summary>The stored bytes of a file the caller was authorized for; null when they are missing (reclaimed meanwhile).</summary>
    public ValueTask<Stream?> OpenAsync(FileRecord file, CancellationToken cancellationToken = default) => blobs.OpenReadAsync(file.Sha256, cancellationToken);

    public async ValueTask<Result<byte[]>> PreviewAsync(long userId, string fileId, CancellationToken cancellationToken = default)
    {
        var file = await AuthorizeAsync(userId, fileId, cancellationToken);
        if (!file.IsOk) return file.Error;
        return await store.GetPreviewAsync(file.Value.Sha256, cancellationToken) is { } preview ? preview : Errors.NotFound;
    }

    /// <summary>Removes abandoned uploads and their bytes, then the bytes no unexpired file refers to. Returns how many of each.</summary>
    public async ValueTask<(int Uploads, int Blobs)> SweepAsync(CancellationToken cancellationToken = default)
    {
        var now = time.GetUtcNow();
        var uploads = 0;
        IReadOnlyList<UploadRecord> expired;
        do
        {
            expired = await store.TakeExpiredUploadsAsync(now, SweepBatch, cancellationToken);
            foreach (var upload in expired) await blobs.DeletePartAsync(upload.Id, cancellationToken);
            uploads += expired.Count;
        }
        while (expired.Count == SweepBatch);

        var reclaimed = 0;
        IReadOnlyList<string> unreachable;
        do
        {
            unreachable = await store.UnreachableBlobsAsync(now, SweepBatch, cancellationToken);
            foreach (var sha256 in unreachable)
            {
                // Marked first, under the blob's lock: a file added from now on finds it absent and uploads the bytes again.
                if (!await store.MarkBlobDeletingAsync(sha256, now, cancellationToken)) continue;
                await blobs.DeleteAsync(sha256, cancellationToken);
                await store.DeleteBlobAsync(sha256, cancellationToken);
                reclaimed++;
            }
        }
        while (unreachable.Count == SweepBatch);
        return (uploads, reclaimed);
    }

    private async ValueTask<bool> VouchedAsync(long userId, string fileId, CancellationToken cancellationToken)
    {
        foreach (var a in access)
            if (await a.MaySeeAsync(userId, fileId, cancellationToken)) return true;
        return false;
    }

    private async ValueTask<UploadRecord?> FindUploadAsync(long userId, string uploadId, CancellationToken cancellationToken) =>
        FileRules.IsId(uploadId) && await store.GetUploadAsync(uploadId, cancellationToken) is { } upload
            && upload.OwnerId == userId && upload.ExpiresAt > time.GetUtcNow()
            ? upload
            : null;

    /// <summary>A held blob declared as a picture: checked against the type, measured and previewed the first time.</summary>
    private async ValueTask<Result<bool>> CheckHeldPictureAsync(BlobRecord held, string contentType, CancellationToken cancellationToken)
    {
        var inspected = await pictures.InspectAsync(async ct => await blobs.OpenReadAsync(held.Sha256, ct) ?? new MemoryStream([], false),
            contentType, makePreview: held.Width is null, cancellationToken);
        if (!inspected.IsOk) return inspected.Error;
        if (held.Width is null) await store.SetPictureAsync(held.Sha256, inspected.Value, cancellationToken);
        return true;
    }

    private async ValueTask<Error> DiscardAsync(UploadRecord upload, Error error)
    {
        await store.DeleteUploadAsync(upload.Id, CancellationToken.None);
        await blobs.DeletePartAsync(upload.Id, CancellationToken.None);
        return error;
    }

    private async Task RenewLeaseAsync(string uploadId, string lease, CancellationTokenSource leaseLost, CancellationToken stop)
    {
        try
        {
            while (true)
            {
                await Task.Delay(options.UploadLease / 3, time, stop);
                var now = time.GetUtcNow();
                if (!await store.RenewLeaseAsync(uploadId, lease, now + options.UploadLease, stop))
                {
                    await leaseLost.CancelAsync();
                    return;
                }
            }
        }
        catch (OperationCanceledException)
        {
            // The chunk is written (or gave up): no more renewing.
        }
        catch (StorageUnavailableException)
        {
            await leaseLost.CancelAsync();
        }
    }

    private FileRecord NewFile(long userId, string sha256, string name, string contentType, long size, DateTimeOffset now)
    {
        var at = now.AddTicks(-(now.Ticks % TimeSpan.TicksPerMillisecond));
        return new FileRecord(FileRules.NewId(), userId, sha256, name, contentType, size, at, at + options.FileLifetime);
    }

    private static UploadStatus ToWire(UploadRecord u) => new(u.Id, u.Name, u.Size, u.Sha256, u.ContentType, u.Received, u.ExpiresAt);

    private sealed class ChunkTooLongException : Exception;
}
