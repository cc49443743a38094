namespace Penguin.Protocol;

// Bodies of the REST API under /api/v1. Fields left null in an update mean "unchanged".

public sealed record RegisterRequest(string Nickname, string Password);
public sealed record RegisterResponse(long Number);

public sealed record LoginRequest(long Number, string Password, DeviceKind Device, string? DeviceName = null);
public sealed record LoginResponse(string Token, long SessionId, Profile Profile);

public sealed record SessionList(DeviceSession[] Sessions);

public sealed record Me(Profile Profile, AccountSettings Settings);

/// <summary>PUT /api/v1/me/password: every other session of the account ends; the one that asked stays.</summary>
public sealed record ChangePasswordRequest(string CurrentPassword, string NewPassword);

/// <summary>DELETE /api/v1/me: the password again, because deleting cannot be undone.</summary>
public sealed record DeleteAccountRequest(string Password);

public sealed record UpdateProfileRequest(
    string? Nickname = null,
    string? Avatar = null,
    string? Signature = null,
    Gender? Gender = null,
    DateOnly? Birthday = null,
    Region? Region = null);

public sealed record AvatarList(string[] Avatars);

public sealed record UserList(Profile[] Users);

public sealed record SendFriendRequest(long To, string? Message = null, long? GroupId = null);

/// <summary>State is "accepted" when the receiver lets anyone add them (or had asked first).</summary>
public sealed record FriendRequestOutcome(FriendRequestState State, FriendRequest Request);

public sealed record AnswerFriendRequest(long? GroupId = null);

public sealed record FriendRequestList(FriendRequest[] Incoming, FriendRequest[] Outgoing);

public sealed record UpdateFriendRequest(long? GroupId = null, string? Remark = null);

public sealed record BuddyGroupName(string Name);

public sealed record BuddyGroupOrder(long[] Ids);

public sealed record BuddyGroupList(BuddyGroup[] Groups);

public sealed record BlockList(long[] Blocked);

public sealed record ErrorResponse(Error Error);

public sealed record ConversationList(Conversation[] Conversations);

/// <summary>A page of messages, oldest first; <see cref="More"/> when older ones exist.</summary>
public sealed record MessagePage(Message[] Messages, bool More);
