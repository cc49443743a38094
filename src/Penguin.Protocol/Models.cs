using System.Text.Json.Serialization;

namespace Penguin.Protocol;

/// <summary>Presence, ordered from least to most available: a user's status is the highest of their devices.</summary>
public enum PresenceStatus
{
    [JsonStringEnumMemberName("offline")] Offline,
    [JsonStringEnumMemberName("invisible")] Invisible,
    [JsonStringEnumMemberName("dnd")] DoNotDisturb,
    [JsonStringEnumMemberName("busy")] Busy,
    [JsonStringEnumMemberName("away")] Away,
    [JsonStringEnumMemberName("online")] Online,
}

public enum DeviceKind
{
    [JsonStringEnumMemberName("pc")] Pc,
    [JsonStringEnumMemberName("mobile")] Mobile,
    [JsonStringEnumMemberName("web")] Web,
}

public enum Gender
{
    [JsonStringEnumMemberName("unknown")] Unknown,
    [JsonStringEnumMemberName("male")] Male,
    [JsonStringEnumMemberName("female")] Female,
}

/// <summary>Who may add a user as a friend.</summary>
public enum AddPolicy
{
    [JsonStringEnumMemberName("anyone")] Anyone,
    [JsonStringEnumMemberName("verify")] Verify,
    [JsonStringEnumMemberName("nobody")] Nobody,
}

public enum FriendRequestState
{
    [JsonStringEnumMemberName("pending")] Pending,
    [JsonStringEnumMemberName("accepted")] Accepted,
    [JsonStringEnumMemberName("declined")] Declined,
}

public sealed record Region(string? Province = null, string? City = null);

/// <summary>
/// A user's profile. Friends and the owner see every field; strangers see the number,
/// nickname and avatar plus the fields the owner shows to strangers (the others are absent).
/// </summary>
public sealed record Profile(
    long Number,
    string Nickname,
    string Avatar,
    string? Signature = null,
    Gender? Gender = null,
    DateOnly? Birthday = null,
    Region? Region = null);

/// <summary>The owner's choices: who may add them and which profile fields strangers see.</summary>
public sealed record AccountSettings(
    AddPolicy AddPolicy = AddPolicy.Verify,
    bool ShowSignature = true,
    bool ShowGender = true,
    bool ShowBirthday = false,
    bool ShowRegion = true);

/// <summary>What friends see of a user's presence: the aggregate status and which kinds of device are online.</summary>
public sealed record UserPresence(long Number, PresenceStatus Status, DeviceKind[] Devices);

public sealed record BuddyGroup(long Id, string Name, int Position, bool IsDefault);

// Nulls are left out on the wire and constructor parameters are required when reading, so an optional field
// needs a default or, in the middle of a parameter list, to be written even when null.
public sealed record Friend(Profile Profile, long GroupId, [property: JsonIgnore(Condition = JsonIgnoreCondition.Never)] string? Remark, UserPresence Presence);

public sealed record BuddyList(BuddyGroup[] Groups, Friend[] Friends);

public sealed record FriendRequest(
    long Id,
    Profile From,
    Profile To,
    string Message,
    FriendRequestState State,
    DateTimeOffset CreatedAt);

public sealed record DeviceSession(long Id, DeviceKind Device, [property: JsonIgnore(Condition = JsonIgnoreCondition.Never)] string? DeviceName, DateTimeOffset CreatedAt, DateTimeOffset LastSeenAt, bool Current);
