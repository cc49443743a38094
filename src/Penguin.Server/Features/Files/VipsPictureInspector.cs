using NetVips;
using Penguin.Core.Common;
using Penguin.Core.Files;
using Penguin.Protocol;

namespace Penguin.Server.Features.Files;

/// <summary>
/// Pictures through libvips (NetVips, with its own native build: nothing to install). The header is read first, so
/// the format is checked against the declared type and the pixel count against the limit before a single pixel is
/// decoded (a decompression bomb is refused unopened); the preview uses shrink-on-load and a time limit.
/// </summary>
public sealed class VipsPictureInspector : IPictureInspector
{
    private static readonly Dictionary<string, string> Loaders = new(StringComparer.Ordinal)
    {
        ["image/jpeg"] = "jpegload",
        ["image/png"] = "pngload",
        ["image/gif"] = "gifload",
        ["image/webp"] = "webpload",
    };

    private readonly FilesOptions _options;

    static VipsPictureInspector()
    {
        // No operation cache: every picture is seen once, and the cache would only hold memory.
        Cache.Max = 0;
        Cache.MaxMem = 0;
        Cache.MaxFiles = 0;
    }

    public VipsPictureInspector(FilesOptions options) => _options = options;

    public async Task<Result<PictureInfo>> InspectAsync(Func<CancellationToken, ValueTask<Stream>> open, string contentType, bool makePreview,
        CancellationToken cancellationToken = default)
    {
        if (!Loaders.TryGetValue(contentType, out var expected)) return FileErrors.TypeMismatch;
        int width, height;
        await using (var header = await open(cancellationToken))
        {
            try
            {
                using var image = Image.NewFromStream(header, access: Enums.Access.Sequential);
                var loader = image.Contains("vips-loader") ? (string)image.Get("vips-loader") : "";
                if (!loader.StartsWith(expected, StringComparison.Ordinal))
                    return FileErrors.TypeMismatch.With($"The content is not {contentType}.", $"文件内容不是 {contentType}。");
                (width, height) = (image.Width, image.PageHeight > 0 ? image.PageHeight : image.Height);
            }
            catch (VipsException)
            {
                return FileErrors.TypeMismatch.With($"The content is not a readable {contentType} picture.", $"文件内容不是可读取的 {contentType} 图片。");
            }
        }
        if ((long)width * height > _options.MaxPicturePixels)
            return FileErrors.TypeMismatch.With($"The picture has more than {_options.MaxPicturePixels} pixels; send it as a file.", $"图片超过 {_options.MaxPicturePixels} 像素，请作为文件发送。");
        if (!makePreview) return new PictureInfo(width, height, null);

        byte[]? preview;
        try
        {
            await using var body = await open(cancellationToken);
            preview = await Task.Run(() => Preview(body), cancellationToken).WaitAsync(_options.PreviewTimeout, cancellationToken);
        }
        catch (VipsException)
        {
            return FileErrors.TypeMismatch.With($"The content is not a readable {contentType} picture.", $"文件内容不是可读取的 {contentType} 图片。");
        }
        catch (TimeoutException)
        {
            preview = null; // stored without a preview; the picture itself is fine
        }
        return new PictureInfo(width, height, preview);
    }

    public async Task<Result<byte[]>> MakeAvatarAsync(Func<CancellationToken, ValueTask<Stream>> open, int size, CancellationToken cancellationToken = default)
    {
        // The content decides, not the declared type: the loader libvips picks from the bytes must be one of ours (an SVG,
        // PDF or anything else it could read is refused), and the size is checked from the header before any decoding.
        await using (var header = await open(cancellationToken))
        {
            try
            {
                using var image = Image.NewFromStream(header, access: Enums.Access.Sequential);
                var loader = image.Contains("vips-loader") ? (string)image.Get("vips-loader") : "";
                if (!Loaders.Values.Any(l => loader.StartsWith(l, StringComparison.Ordinal))) return FileErrors.NotAPicture;
                if ((long)image.Width * (image.PageHeight > 0 ? image.PageHeight : image.Height) > _options.MaxPicturePixels)
                    return FileErrors.NotAPicture.With($"The picture has more than {_options.MaxPicturePixels} pixels.", $"图片超过 {_options.MaxPicturePixels} 像素。");
            }
            catch (VipsException)
            {
                return FileErrors.NotAPicture;
            }
        }
        try
        {
            await using var body = await open(cancellationToken);
            return await Task.Run(() => Avatar(body, size), cancellationToken).WaitAsync(_options.PreviewTimeout, cancellationToken);
        }
        catch (VipsException)
        {
            return FileErrors.NotAPicture;
        }
        catch (TimeoutException)
        {
            return FileErrors.NotAPicture.With("The picture took too long to decode.", "图片解码时间过长。");
        }
    }

    /// <summary>A square JPEG of <paramref name="size"/> pixels: shrunk on load, cropped to the centre, transparency on white, no metadata.</summary>
    private static byte[] Avatar(Stream body, int size)
    {
        using var thumb = Image.ThumbnailStream(body, size, height: size, size: Enums.Size.Both, crop: Enums.Interesting.Centre, failOn: Enums.FailOn.Error);
        using var flat = thumb.HasAlpha() ? thumb.Flatten(background: [255, 255, 255]) : null;
        return (flat ?? thumb).JpegsaveBuffer(q: 85, keep: Enums.ForeignKeep.None);
    }

    /// <summary>A JPEG no larger than <see cref="FilesOptions.PreviewSize"/> on its longest edge, transparency on white, no metadata.</summary>
    private byte[] Preview(Stream body)
    {
        using var thumb = Image.ThumbnailStream(body, _options.PreviewSize, height: _options.PreviewSize, size: Enums.Size.Down, failOn: Enums.FailOn.Error);
        using var flat = thumb.HasAlpha() ? thumb.Flatten(background: [255, 255, 255]) : null;
        return (flat ?? thumb).JpegsaveBuffer(q: 80, keep: Enums.ForeignKeep.None);
    }
}
