namespace Penguin.Core.Files;

/// <summary>
/// Custom avatars: small square JPEGs kept by the SHA-256 of their bytes, apart from files (a file expires, an avatar
/// stays while a profile or group card names it). docs/architecture.md, "Files".
/// </summary>
public interface IAvatarStore
{
    /// <summary>Keeps the image (once per digest) and marks it made <paramref name="now"/>, so the sweeper leaves it its grace.</summary>
    ValueTask SaveAsync(string sha256, byte[] image, DateTimeOffset now, CancellationToken cancellationToken = default);

    ValueTask<byte[]?> GetAsync(string sha256, CancellationToken cancellationToken = default);

    /// <summary>Deletes up to <paramref name="limit"/> avatars made before <paramref name="madeBefore"/> that no user or group names; returns how many.</summary>
    ValueTask<int> DeleteUnusedAsync(DateTimeOffset madeBefore, int limit, CancellationToken cancellationToken = default);
}
