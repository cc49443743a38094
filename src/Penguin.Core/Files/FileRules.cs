using System.Globalization;
using System.Security.Cryptography;
using Penguin.Protocol;

namespace Penguin.Core.Files;

/// <summary>What a file name, type, digest and id must look like, and which types count as pictures.</summary>
public static class FileRules
{
    public const int NameMaxLength = 255;
    public const int ContentTypeMaxLength = 100;

    /// <summary>Pictures the server checks against their content, measures and previews, and may show inline.</summary>
    public static readonly IReadOnlyList<string> PictureTypes = ["image/jpeg", "image/png", "image/gif", "image/webp"];

    /// <summary>128 random bits as 32 lowercase hex digits: file and upload ids cannot be guessed.</summary>
    public static string NewId() => Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(16));

    public static bool IsId([System.Diagnostics.CodeAnalysis.NotNullWhen(true)] string? id) => id is { Length: 32 } && id.All(char.IsAsciiHexDigitLower);

    public static bool IsSha256([System.Diagnostics.CodeAnalysis.NotNullWhen(true)] string? hex) => hex is { Length: 64 } && hex.All(char.IsAsciiHexDigitLower);

    public static bool IsPicture(string contentType) => PictureTypes.Contains(contentType);

    /// <summary>
    /// A file name as given, or an error: 1–255 characters, no control or invisible formatting characters (a
    /// right-to-left override makes "txt.exe" look like "exe.txt"), no path separators, not "." or "..".
    /// </summary>
    public static Error? CheckName(string? name)
    {
        if (string.IsNullOrWhiteSpace(name) || name.Length > NameMaxLength || name.Trim() is "." or "..") return FileErrors.InvalidFileName;
        foreach (var c in name)
        {
            if (c is '/' or '\\' || char.IsControl(c)) return FileErrors.InvalidFileName;
            var category = CharUnicodeInfo.GetUnicodeCategory(c);
            if (category is UnicodeCategory.Format or UnicodeCategory.LineSeparator or UnicodeCategory.ParagraphSeparator) return FileErrors.InvalidFileName;
        }
        return null;
    }

    /// <summary>A MIME type "type/subtype" (lowercase, no parameters), or null when it is not one.</summary>
    public static string? NormalizeContentType(string? contentType)
    {
        if (string.IsNullOrWhiteSpace(contentType) || contentType.Length > ContentTypeMaxLength) return null;
        var normalized = contentType.Trim().ToLowerInvariant();
        var slash = normalized.IndexOf('/', StringComparison.Ordinal);
        if (slash <= 0 || slash == normalized.Length - 1 || normalized.IndexOf('/', slash + 1) >= 0) return null;
        foreach (var c in normalized)
            if (!(char.IsAsciiLetterOrDigit(c) || c is '/' or '!' or '#' or '$' or '&' or '^' or '_' or '.' or '+' or '-')) return null;
        return normalized;
    }

    /// <summary>
    /// The type a download is served with: pictures, audio, video, PDF and plain text as they are (a browser may play or
    /// show them, never run them: nosniff, a sandboxing CSP); anything else as opaque bytes.
    /// </summary>
    public static string ServedType(string contentType) =>
        IsPicture(contentType) || contentType.StartsWith("audio/", StringComparison.Ordinal) || contentType.StartsWith("video/", StringComparison.Ordinal)
        || contentType is "application/pdf" or "text/plain"
            ? contentType
            : "application/octet-stream";
}
