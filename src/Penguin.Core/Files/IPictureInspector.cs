using Penguin.Core.Common;

namespace Penguin.Core.Files;

/// <summary>Checks a picture's bytes against its declared type, reads its dimensions and makes its preview (an imaging library).</summary>
public interface IPictureInspector
{
    /// <summary>
    /// <see cref="Protocol.FileErrors.TypeMismatch"/> when the bytes are not a picture of <paramref name="contentType"/> or
    /// are larger than the pixel limit (read from the header, before decoding anything).
    /// </summary>
    Task<Result<PictureInfo>> InspectAsync(Func<CancellationToken, ValueTask<Stream>> open, string contentType, bool makePreview, CancellationToken cancellationToken = default);

    /// <summary>
    /// A square JPEG of <paramref name="size"/> pixels, cropped to the centre, from bytes that must be a JPEG, PNG, GIF or
    /// WebP picture by their content whatever type they were declared with (<see cref="Protocol.FileErrors.NotAPicture"/>
    /// otherwise, or when larger than the pixel limit or too slow to decode).
    /// </summary>
    Task<Result<byte[]>> MakeAvatarAsync(Func<CancellationToken, ValueTask<Stream>> open, int size, CancellationToken cancellationToken = default);
}
