namespace Penguin.Protocol;

/// <summary>Hard limits of the protocol; docs/protocol.md lists the same numbers.</summary>
public static class Limits
{
    public const int NicknameMaxLength = 24;
    public const int PasswordMinLength = 8;
    public const int PasswordMaxLength = 128;
    public const int SignatureMaxLength = 80;
    public const int RegionPartMaxLength = 32;
    public const int RemarkMaxLength = 24;
    public const int BuddyGroupNameMaxLength = 20;
    public const int MaxBuddyGroups = 30;
    public const int MaxFriends = 2000;
    public const int FriendRequestMessageMaxLength = 100;
    public const int DeviceNameMaxLength = 40;
    public const int SearchQueryMaxLength = 24;
    public const int SearchResultsMax = 20;

    /// <summary>Longest text message, in UTF-16 code units (a Chinese character counts one, most emoji two).</summary>
    public const int MessageMaxLength = 5000;
    public const int ClientIdMaxLength = 64;

    /// <summary>A sender may recall a message for this long after sending it.</summary>
    public static readonly TimeSpan RecallWindow = TimeSpan.FromMinutes(2);

    public const int HistoryPageMax = 100;
    public const int ConversationListMax = 200;

    /// <summary>Largest WebSocket frame the server accepts; bigger ones close the connection with 1009.</summary>
    public const int MaxFrameBytes = 64 * 1024;

    /// <summary>Largest REST request body.</summary>
    public const int MaxRequestBodyBytes = 64 * 1024;

    /// <summary>Events returned by one sync page.</summary>
    public const int SyncPageSize = 500;

    // Groups
    public const int GroupNameMaxLength = 30;
    public const int GroupIntroductionMaxLength = 300;
    public const int GroupAnnouncementMaxLength = 1000;
    public const int GroupCardMaxLength = 30;
    public const int GroupJoinMessageMaxLength = 100;
    public const int GroupMentionsMax = 50;

    /// <summary>Longest mute an admin may give, in minutes (30 days).</summary>
    public const int GroupMuteMaxMinutes = 30 * 24 * 60;

    /// <summary>Groups one user may be a member of.</summary>
    public const int MaxGroupsPerUser = 500;

    // Chat rooms
    public const int RoomNameMaxLength = 30;
    public const int RoomTopicMaxLength = 20;
    public const int RoomMessageMaxLength = 1000;

    /// <summary>Messages a room keeps for newcomers (the rest are deleted as new ones arrive).</summary>
    public const int RoomHistoryKept = 100;

    /// <summary>Rooms one connection may be inside at once.</summary>
    public const int MaxRoomsPerConnection = 20;

    /// <summary>Rooms one user may create.</summary>
    public const int MaxRoomsCreatedPerUser = 10;

    /// <summary>Rooms in one directory page.</summary>
    public const int RoomDirectoryMax = 200;
}
