namespace Penguin.Core.Files;

/// <summary>
/// Where file bytes live, addressed by their SHA-256 (lowercase hex), and where uploads in progress keep their
/// bytes until they are complete. The local directory (<see cref="LocalBlobStore"/>) is the default; object storage
/// can be added behind the same interface. Every member streams: nothing holds a whole file in memory.
/// </summary>
public interface IBlobStore
{
    /// <summary>A readable, seekable stream of the stored bytes; null when they are not held.</summary>
    ValueTask<Stream?> OpenReadAsync(string sha256, CancellationToken cancellationToken = default);

    /// <summary>
    /// Writes <paramref name="source"/> to the upload's bytes from <paramref name="offset"/> (whatever lay beyond it is
    /// dropped first) and makes them durable before returning. <paramref name="observe"/> sees each piece as it is
    /// written, and may stop the copy by throwing.
    /// </summary>
    ValueTask<long> WritePartAsync(string uploadId, long offset, Stream source, Action<ReadOnlySpan<byte>> observe, CancellationToken cancellationToken = default);

    /// <summary>Cuts the upload's bytes back to <paramref name="length"/> (a chunk that was refused).</summary>
    ValueTask TruncatePartAsync(string uploadId, long length, CancellationToken cancellationToken = default);

    /// <summary>Reads the upload's bytes so far; an empty stream when none were written.</summary>
    ValueTask<Stream> OpenPartAsync(string uploadId, CancellationToken cancellationToken = default);

    /// <summary>Makes the upload's bytes the stored bytes of <paramref name="sha256"/>, atomically: readers see all of them or none.</summary>
    ValueTask CommitPartAsync(string uploadId, string sha256, CancellationToken cancellationToken = default);

    ValueTask DeletePartAsync(string uploadId, CancellationToken cancellationToken = default);

    ValueTask DeleteAsync(string sha256, CancellationToken cancellationToken = default);
}
