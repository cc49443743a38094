using Penguin.Core.Files;

namespace Penguin.Core.Accounts;

/// <summary>
/// Avatars: a built-in one (<c>penguin-01</c>…) picked by name, or one made from an uploaded picture, named by the path
/// it is served at, <c>/api/v1/avatars/&lt;sha256&gt;</c> (the digest of the avatar's own bytes, so the name changes
/// whenever the picture does and a client may cache it forever).
/// </summary>
public static class Avatars
{
    public const string UploadedPrefix = "/api/v1/avatars/";

    public static readonly string[] All = [.. Enumerable.Range(1, 12).Select(i => $"penguin-{i:00}")];

    public static string ForNewUser(long seed) => All[(int)(seed % All.Length)];

    /// <summary>A built-in avatar's name (what a profile change may pick; uploaded ones are set by their own request).</summary>
    public static bool IsKnown(string avatar) => Array.IndexOf(All, avatar) >= 0;

    public static string Uploaded(string sha256) => UploadedPrefix + sha256;

    /// <summary>The digest an uploaded avatar's name refers to; null for a built-in one.</summary>
    public static string? UploadedSha256(string avatar) =>
        avatar.StartsWith(UploadedPrefix, StringComparison.Ordinal) && FileRules.IsSha256(avatar[UploadedPrefix.Length..]) ? avatar[UploadedPrefix.Length..] : null;
}
