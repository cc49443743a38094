namespace Penguin.Core.Files;

/// <summary>
/// Blobs in a local (or shared) directory: blobs/ab/cd/&lt;sha256&gt;, uploads/&lt;id&gt;.part. A blob appears by an atomic
/// rename of fsynced bytes, so a reader or a crash never sees half a file; nodes of a cluster may share the directory.
/// </summary>
public sealed class LocalBlobStore : IBlobStore
{
    private const int BufferSize = 128 * 1024;
    private const long WritebackStep = 4 * 1024 * 1024;
    private readonly string _blobs;
    private readonly string _uploads;

    public LocalBlobStore(string root)
    {
        Root = Path.GetFullPath(root);
        _blobs = Path.Combine(Root, "blobs");
        _uploads = Path.Combine(Root, "uploads");
        System.IO.Directory.CreateDirectory(_blobs);
        System.IO.Directory.CreateDirectory(_uploads);
    }

    public string Root { get; }

    public ValueTask<Stream?> OpenReadAsync(string sha256, CancellationToken cancellationToken = default)
    {
        cancellationToken.ThrowIfCancellationRequested();
        try
        {
            return ValueTask.FromResult<Stream?>(new FileStream(BlobPath(sha256), FileMode.Open, FileAccess.Read, FileShare.Read | FileShare.Delete, BufferSize, FileOptions.Asynchronous | FileOptions.SequentialScan));
        }
        catch (FileNotFoundException)
        {
            return ValueTask.FromResult<Stream?>(null);
        }
        catch (DirectoryNotFoundException)
        {
            return ValueTask.FromResult<Stream?>(null);
        }
    }

    public async ValueTask<long> WritePartAsync(string uploadId, long offset, Stream source, Action<ReadOnlySpan<byte>> observe, CancellationToken cancellationToken = default)
    {
        var buffer = System.Buffers.ArrayPool<byte>.Shared.Rent(BufferSize);
        try
        {
            await using var part = new FileStream(PartPath(uploadId), FileMode.OpenOrCreate, FileAccess.Write, FileShare.Read, 1, FileOptions.Asynchronous);
            // Bytes past the confirmed offset belong to a chunk that was never confirmed (a dropped request): drop them.
            if (part.Length != offset) part.SetLength(offset);
            part.Position = offset;
            long written = 0, handedToDisk = 0;
            int read;
            while ((read = await source.ReadAsync(buffer.AsMemory(0, BufferSize), cancellationToken)) > 0)
            {
                observe(buffer.AsSpan(0, read));
                await part.WriteAsync(buffer.AsMemory(0, read), cancellationToken);
                written += read;
                // Profiled (docs/benchmarks.md): a chunk's time went to the fsync below, which waited for all of its
                // pages at once. Handing them to the disk as they arrive overlaps that wait with receiving.
                if (written - handedToDisk >= WritebackStep)
                {
                    EarlyWriteback.Start(part.SafeFileHandle, offset + handedToDisk, written - handedToDisk);
                    handedToDisk = written;
                }
            }
            // The confirmed offset must be durable: nothing is confirmed before this returns.
            part.Flush(flushToDisk: true);
            return written;
        }
        finally
        {
            System.Buffers.ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    public ValueTask TruncatePartAsync(string uploadId, long length, CancellationToken cancellationToken = default)
    {
        var path = PartPath(uploadId);
        if (File.Exists(path))
        {
            using var part = new FileStream(path, FileMode.Open, FileAccess.Write, FileShare.Read);
            if (part.Length > length) part.SetLength(length);
            part.Flush(flushToDisk: true);
        }
        return ValueTask.CompletedTask;
    }

    public ValueTask<Stream> OpenPartAsync(string uploadId, CancellationToken cancellationToken = default)
    {
        var path = PartPath(uploadId);
        return ValueTask.FromResult<Stream>(File.Exists(path)
            ? new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite, BufferSize, FileOptions.Asynchronous | FileOptions.SequentialScan)
            : new MemoryStream([], writable: false));
    }

    public ValueTask CommitPartAsync(string uploadId, string sha256, CancellationToken cancellationToken = default)
    {
        var source = PartPath(uploadId);
        if (!File.Exists(source)) File.WriteAllBytes(source, []); // an empty file has no part
        using (var part = new FileStream(source, FileMode.Open, FileAccess.ReadWrite, FileShare.Read)) part.Flush(flushToDisk: true);
        var target = BlobPath(sha256);
        System.IO.Directory.CreateDirectory(Path.GetDirectoryName(target)!);
        // rename(2): atomic within one file system (uploads/ and blobs/ share the root); identical bytes may replace themselves.
        File.Move(source, target, overwrite: true);
        return ValueTask.CompletedTask;
    }

    public ValueTask DeletePartAsync(string uploadId, CancellationToken cancellationToken = default)
    {
        File.Delete(PartPath(uploadId));
        return ValueTask.CompletedTask;
    }

    public ValueTask DeleteAsync(string sha256, CancellationToken cancellationToken = default)
    {
        File.Delete(BlobPath(sha256));
        return ValueTask.CompletedTask;
    }

    /// <summary>The path of a blob; only ever built from a validated hex digest, never from user text.</summary>
    public string BlobPath(string sha256)
    {
        if (!FileRules.IsSha256(sha256)) throw new ArgumentException("Not a SHA-256 hex digest.", nameof(sha256));
        return Path.Combine(_blobs, sha256[..2], sha256[2..4], sha256);
    }

    private string PartPath(string uploadId)
    {
        if (!FileRules.IsId(uploadId)) throw new ArgumentException("Not an upload id.", nameof(uploadId));
        return Path.Combine(_uploads, uploadId + ".part");
    }
}
