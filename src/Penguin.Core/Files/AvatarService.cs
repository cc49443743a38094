using System.Security.Cryptography;
using Penguin.Core.Accounts;
using Penguin.Core.Common;
using Penguin.Core.Groups;
using Penguin.Protocol;

namespace Penguin.Core.Files;

/// <summary>
/// Custom avatars from uploads: the caller names a file they may download; its bytes must be a picture by their content
/// (whatever type it was sent as), become a bounded square JPEG kept in the <see cref="IAvatarStore"/> (so the file's
/// expiry never takes the avatar), and the profile or group card names it; friends or members hear of it as of any
/// other change. Avatars are public, like QQ's: served to anyone by their digest.
/// </summary>
public sealed class AvatarService(
    FilesService files,
    IPictureInspector pictures,
    IAvatarStore avatars,
    AccountService accounts,
    GroupService groups,
    TimeProvider time,
    FilesOptions options)
{
    private const int SweepBatch = 500;

    /// <summary>An avatar made less than this long ago is never swept, though nothing names it yet.</summary>
    public static readonly TimeSpan Grace = TimeSpan.FromDays(1);

    public async ValueTask<Result<Profile>> SetUserAvatarAsync(long userId, string fileId, CancellationToken cancellationToken = default)
    {
        var avatar = await MakeAsync(userId, fileId, cancellationToken);
        if (!avatar.IsOk) return avatar.Error;
        var user = await accounts.SetUploadedAvatarAsync(userId, avatar.Value, cancellationToken);
        return user.IsOk ? user.Value.FullProfile : user.Error;
    }

    /// <summary>For an owner or administrator of the group (checked before the picture is made).</summary>
    public ValueTask<Result<GroupInfo>> SetGroupAvatarAsync(long userId, long groupId, string fileId, CancellationToken cancellationToken = default) =>
        groups.SetUploadedAvatarAsync(userId, groupId, ct => MakeAsync(userId, fileId, ct), cancellationToken);

    /// <summary>The avatar's JPEG; null when no avatar has that digest.</summary>
    public ValueTask<byte[]?> GetAsync(string sha256, CancellationToken cancellationToken = default) =>
        FileRules.IsSha256(sha256) ? avatars.GetAsync(sha256, cancellationToken) : ValueTask.FromResult<byte[]?>(null);

    /// <summary>Removes avatars nobody names any more (past their grace); returns how many.</summary>
    public async ValueTask<int> SweepAsync(CancellationToken cancellationToken = default)
    {
        var removed = 0;
        int batch;
        do
        {
            batch = await avatars.DeleteUnusedAsync(time.GetUtcNow() - Grace, SweepBatch, cancellationToken);
            removed += batch;
        }
        while (batch == SweepBatch);
        return removed;
    }

    /// <summary>The avatar made from a file the caller may download, stored; its name (<see cref="Avatars.Uploaded"/>).</summary>
    private async ValueTask<Result<string>> MakeAsync(long userId, string fileId, CancellationToken cancellationToken)
    {
        var file = await files.AuthorizeAsync(userId, fileId, cancellationToken);
        if (!file.IsOk) return file.Error;
        await using (var held = await files.OpenAsync(file.Value, cancellationToken))
            if (held is null) return Errors.NotFound; // reclaimed meanwhile
        var made = await pictures.MakeAvatarAsync(async ct => await files.OpenAsync(file.Value, ct) ?? throw new FileNotFoundException("The file's bytes are gone."),
            options.AvatarSize, cancellationToken);
        if (!made.IsOk) return made.Error;
        var sha256 = Convert.ToHexStringLower(SHA256.HashData(made.Value));
        await avatars.SaveAsync(sha256, made.Value, time.GetUtcNow(), cancellationToken);
        return Avatars.Uploaded(sha256);
    }
}
