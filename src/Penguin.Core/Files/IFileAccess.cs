namespace Penguin.Core.Files;

/// <summary>
/// Who besides the uploader may download a file: a feature that carries files (messaging, groups) answers for the
/// places it put the file. Anyone no implementation vouches for gets "not found".
/// </summary>
public interface IFileAccess
{
    ValueTask<bool> MaySeeAsync(long userId, string fileId, CancellationToken cancellationToken = default);
}
