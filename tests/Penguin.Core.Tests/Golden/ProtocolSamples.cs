using Penguin.Protocol;

namespace Penguin.Core.Tests.Golden;

/// <summary>One sample of every client frame, server frame and event of protocol v1, with every field set.</summary>
public static class ProtocolSamples
{
    private static readonly DateTimeOffset At = new(2026, 12, 1, 8, 30, 15, 123, TimeSpan.Zero);

    private static readonly Profile Alice = new(10001, "小企鹅 Alice", "penguin-01", "你好 hello", Gender.Female, new DateOnly(1999, 2, 3), new Region("广东", "深圳"));

    private static readonly Profile Bob = new(10002, "Bob", "penguin-02");

    private static readonly AccountSettings Settings = new(AddPolicy.Verify, ShowSignature: true, ShowGender: false, ShowBirthday: true, ShowRegion: false, AllowStrangerMessages: true);

    private static readonly Message Text = new(42, 10001, 10002, 7, "c-7", At, "你好，Bob！", Recalled: false);

    private static readonly BuddyGroup[] Groups = [new(1, "我的好友", 0, true), new(2, "同学", 1, false)];

    private static readonly GroupInfo Group = new(200001, "周末爬山群", "penguin-05", "每周六爬山", "周六 8 点\n地铁站集合", GroupJoinPolicy.Approval,
        MuteAll: false, Owner: 10001, MemberCount: 42, MaxMembers: 500, At, Dissolved: false);

    private static readonly GroupMessage GroupText = new(9001, 200001, 10001, 12, "g-12", At, "@Bob 明天见", Recalled: false, Mentions: [10002], MentionAll: false);

    private static readonly GroupSummary GroupPlace = new(Group, GroupRole.Admin, GroupNotify.Silent, JoinedSeq: 3, LastSeq: 12, ReadSeq: 10, Unread: 2, Card: "登山队长");

    private static readonly RoomInfo Room = new(300001, "周末爬山", "户外", 10001, 2, At);

    private static readonly RoomMessage RoomText = new(5001, 300001, 10002, "有人去爬山吗？", At);

    private static readonly GroupMember Member = new(10002, GroupRole.Member, At, "小波", At.AddMinutes(10));

    public static readonly IReadOnlyList<ClientFrame> ClientFrames =
    [
        new Authenticate("token-abc", Since: 12, Status: PresenceStatus.Away) { Id = 1 },
        new Ping { Id = 2 },
        new SetPresence(PresenceStatus.Busy) { Id = 3 },
        new Protocol.Sync(12) { Id = 4 },
        new Acknowledge(15) { Id = 5 },
        new SendMessage(10002, "c-7", "你好，Bob！") { Id = 6 },
        new MarkRead(10002, 7) { Id = 7 },
        new RecallMessage(42) { Id = 8 },
        new DeleteMessage(42) { Id = 9 },
        new SetTyping(10002, true) { Id = 10 },
        new SendGroupMessage(200001, "g-12", "@Bob 明天见", [10002], MentionAll: false) { Id = 11 },
        new MarkGroupRead(200001, 12) { Id = 12 },
        new RecallGroupMessage(200001, 9001) { Id = 13 },
        new EnterRoom(300001) { Id = 14 },
        new LeaveRoom(300001) { Id = 15 },
        new SendRoomMessage(300001, "有人去爬山吗？") { Id = 16 },
    ];

    public static readonly IReadOnlyList<ServerFrame> ServerFrames =
    [
        new Authenticated(Alice, Settings, 77, DeviceKind.Pc, 15) { Re = 1 },
        new Pong { Re = 2 },
        new Ok { Re = 3 },
        new ErrorReply("invalid_field", "Invalid field.", "字段无效。") { Re = 4 },
        new Synced(15) { Re = 5 },
        new PresenceChanged(new UserPresence(10002, PresenceStatus.Online, [DeviceKind.Pc, DeviceKind.Mobile])),
        new PresenceSnapshot([new UserPresence(10002, PresenceStatus.Away, [DeviceKind.Mobile]), new UserPresence(10003, PresenceStatus.Offline, [])]),
        new SessionEnded("session_revoked", "Logged out.", "已退出登录。"),
        new FriendRequested(new FriendRequest(5, Alice, Bob, "我是 Alice", FriendRequestState.Pending, At)) { Seq = 16 },
        new FriendRequestDeclined(5, 10002) { Seq = 17 },
        new FriendAdded(Bob, 2, "老同学") { Seq = 18 },
        new FriendRemoved(10002) { Seq = 19 },
        new FriendUpdated(10002, 1, "Bob 哥") { Seq = 20 },
        new BuddyGroupsChanged(Groups) { Seq = 21 },
        new ProfileUpdated(Alice) { Seq = 22 },
        new SettingsUpdated(Settings) { Seq = 23 },
        new BlocksChanged([10003, 10004]) { Seq = 24 },
        new MessageAccepted(Text, Duplicate: false) { Re = 6 },
        new MessageReceived(Text) { Seq = 25 },
        new MessageReceipt(10002, 7, 6) { Seq = 26 },
        new ConversationRead(10002, 7) { Seq = 27 },
        new MessageRecalled(10002, 42, 7) { Seq = 28 },
        new MessageDeleted(10002, 42) { Seq = 29 },
        new WalletTransferUpdated(new WalletTransfer("9f2c4e1a7b3d4c5e8f90a1b2c3d4e5f6", 10001, 10002, 52_000, "pending", At, At.AddDays(1), Memo: "房租")) { Seq = 90 },
        new RedPacketUpdated(new RedPacket("5b8e0c3d2a1f4e6b9c7d8e9f0a1b2c3d", 10001, 1_000, 3, true, "恭喜发财，大吉大利", "open", 1, 388, At, At.AddDays(1), GroupId: 200001),
            new RedPacketClaim(10002, 388, At)) { Seq = 91 },
        new WalletPaymentUpdated(new WalletBankPayment("bp4d2c9e0f1a3b4c5d6e7f8091a2b3c4d5", "topup", 10_000, "1111", "succeeded", At, SettledAt: At.AddSeconds(2))) { Seq = 92 },
        new TypingChanged(10002, true),
        new GroupMessageAccepted(GroupText, Duplicate: false) { Re = 11 },
        new GroupMessageReceived(GroupText),
        new GroupMessageRecalled(200001, 9001, 12, 10001),
        new GroupMemberChanged(200001, Member),
        new GroupMemberLeft(200001, 10002, GroupLeaveReason.Kicked),
        new GroupJoined(GroupPlace) { Seq = 30 },
        new GroupLeft(200001, GroupLeaveReason.Kicked) { Seq = 31 },
        new GroupUpdated(Group) { Seq = 32 },
        new GroupMembershipChanged(200001, Member, GroupNotify.Notify) { Seq = 33 },
        new GroupMentioned(200001, 9001, 12, 10001) { Seq = 34 },
        new GroupRead(200001, 12) { Seq = 35 },
        new GroupJoinRequested(new GroupJoinRequest(7, 200001, 10003, "我也想爬山", At)) { Seq = 36 },
        new GroupJoinRefused(200001, 7) { Seq = 37 },
        new GroupJoinRequestHandled(200001, 7, 10001, Approved: true) { Seq = 39 },
        new GroupInvited(Group, 10001) { Seq = 38 },
        new RoomEntered(Room, [10001, 10002], [RoomText]) { Re = 14 },
        new RoomMessageAccepted(RoomText) { Re = 16 },
        new RoomMessageReceived(RoomText),
        new RoomPersonEntered(300001, 10003, 3),
        new RoomPersonLeft(300001, 10003, RoomExitReason.Kicked, 2),
        new RoomRemoved(300001, RoomExitReason.Banned, 10001),
    ];
}
