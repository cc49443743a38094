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
