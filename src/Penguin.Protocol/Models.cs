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
    bool ShowRegion = true,
    bool AllowStrangerMessages = false);

/// <summary>What friends see of a user's presence: the aggregate status and which kinds of device are online.</summary>
public sealed record UserPresence(long Number, PresenceStatus Status, DeviceKind[] Devices);

public sealed record BuddyGroup(long Id, string Name, int Position, bool IsDefault);

public sealed record Friend(Profile Profile, long GroupId, UserPresence Presence, string? Remark = null);

public sealed record BuddyList(BuddyGroup[] Groups, Friend[] Friends);

public sealed record FriendRequest(
    long Id,
    Profile From,
    Profile To,
    string Message,
    FriendRequestState State,
    DateTimeOffset CreatedAt);

public sealed record DeviceSession(long Id, DeviceKind Device, DateTimeOffset CreatedAt, DateTimeOffset LastSeenAt, bool Current, string? DeviceName = null);

/// <summary>
/// A one-to-one message. <see cref="Seq"/> is its place in the conversation (1, 2, 3…), not the user's sync seq.
/// A recalled message keeps its place but has no text.
/// </summary>
public sealed record Message(long Id, long From, long To, long Seq, string ClientId, DateTimeOffset SentAt, string? Text = null, bool Recalled = false)
{
    /// <summary>The file sent with the message, if any (absent once recalled); older clients ignore it.</summary>
    public Attachment? Attachment { get; init; }
}

/// <summary>
/// One conversation as the user sees it. Unread = LastSeq − ReadSeq (sending a message reads the conversation
/// up to it). The user's own messages up to PeerReadSeq are read by the peer, up to PeerDeliveredSeq delivered.
/// </summary>
public sealed record Conversation(
    long Peer,
    long LastSeq,
    long ReadSeq,
    long Unread,
    long PeerDeliveredSeq,
    long PeerReadSeq,
    DateTimeOffset UpdatedAt,
    Message? Last = null);
