using System.ComponentModel.DataAnnotations;

namespace Penguin.Core.Files;

/// <summary>Limits and lifetimes of uploaded files (Penguin:Files, docs/operations.md).</summary>
public sealed class FilesOptions
{
    /// <summary>
    /// Where the bytes live: blobs/ (by SHA-256), uploads/ (partial uploads) and tmp/. Empty: "files" in the data
    /// directory. In cluster mode every node must name the same shared directory (NFS, CephFS…).
    /// </summary>
    public string? Directory { get; set; }

    /// <summary>Largest file, in bytes.</summary>
    [Range(typeof(long), "1", "1099511627776")]
    public long MaxFileBytes { get; set; } = 2L * 1024 * 1024 * 1024;

    /// <summary>Bytes one user may keep (files not yet expired, plus uploads in progress at their announced size). 0: no quota.</summary>
    [Range(typeof(long), "0", "1125899906842624")]
    public long QuotaBytes { get; set; } = 10L * 1024 * 1024 * 1024;

    /// <summary>Uploads one user may have in progress at once.</summary>
    [Range(1, 10_000)]
    public int MaxUploadsPerUser { get; set; } = 10;

    /// <summary>How long a file is kept after it was uploaded (offline files: 7 days).</summary>
    [Range(typeof(TimeSpan), "00:00:01", "3650.00:00:00")]
    public TimeSpan FileLifetime { get; set; } = TimeSpan.FromDays(7);

    /// <summary>An upload that receives no bytes for this long is abandoned and removed.</summary>
    [Range(typeof(TimeSpan), "00:00:01", "30.00:00:00")]
    public TimeSpan UploadLifetime { get; set; } = TimeSpan.FromDays(1);

    /// <summary>How often abandoned uploads and expired, unreferenced bytes are removed.</summary>
    [Range(typeof(TimeSpan), "00:00:01", "1.00:00:00")]
    public TimeSpan SweepInterval { get; set; } = TimeSpan.FromMinutes(10);

    /// <summary>How long a request writing to an upload holds it (renewed while bytes flow); a crashed writer's hold lapses after this.</summary>
    [Range(typeof(TimeSpan), "00:00:01", "01:00:00")]
    public TimeSpan UploadLease { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>Largest picture (width × height) the server decodes for a preview; a larger one is refused as a picture.</summary>
    [Range(1, int.MaxValue)]
    public int MaxPicturePixels { get; set; } = 100_000_000;

    /// <summary>Longest edge of a picture's preview, in pixels.</summary>
    [Range(16, 2048)]
    public int PreviewSize { get; set; } = 256;

    /// <summary>Width and height of a custom avatar made from an uploaded picture (a square JPEG, cropped to the centre).</summary>
    [Range(32, 1024)]
    public int AvatarSize { get; set; } = 256;

    /// <summary>Longest time spent making one preview; a picture that takes longer is stored without one.</summary>
    [Range(typeof(TimeSpan), "00:00:00.100", "00:05:00")]
    public TimeSpan PreviewTimeout { get; set; } = TimeSpan.FromSeconds(10);
}
