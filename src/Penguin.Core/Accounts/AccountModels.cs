using Penguin.Protocol;

namespace Penguin.Core.Accounts;

/// <summary>A user as stored: the whole profile and the owner's settings.</summary>
public sealed record UserRecord(
    long Number,
    string Nickname,
    string Avatar,
    string? Signature,
    Gender Gender,
    DateOnly? Birthday,
    Region? Region,
    AccountSettings Settings)
{
    public Profile FullProfile => new(Number, Nickname, Avatar, Signature, Gender, Birthday, Region);

    /// <summary>What a stranger sees: number, nickname, avatar and only the fields the owner shows.</summary>
    public Profile StrangerProfile => new(
        Number,
        Nickname,
        Avatar,
        Settings.ShowSignature ? Signature : null,
        Settings.ShowGender ? Gender : null,
        Settings.ShowBirthday ? Birthday : null,
        Settings.ShowRegion ? Region : null);

    public Profile ProfileFor(bool friendOrSelf) => friendOrSelf ? FullProfile : StrangerProfile;
}

public sealed record NewUser(string Nickname, string PasswordHash, string Avatar, DateTimeOffset CreatedAt);

public sealed record SessionRecord(long Id, long UserId, DeviceKind Device, string? DeviceName, DateTimeOffset CreatedAt, DateTimeOffset LastSeenAt);

/// <summary>The built-in avatars a user picks from until file upload exists.</summary>
public static class Avatars
{
    public static readonly string[] All = [.. Enumerable.Range(1, 12).Select(i => $"penguin-{i:00}")];

    public static string ForNewUser(long seed) => All[(int)(seed % All.Length)];

    public static bool IsKnown(string avatar) => Array.IndexOf(All, avatar) >= 0;
}

/// <summary>What an administrator sees of an account: whether it may log in and whether its owner deleted it.</summary>
public sealed record AccountStatus(long Number, string Nickname, DateTimeOffset CreatedAt, bool Disabled, DateTimeOffset? DeletedAt);
