using Microsoft.Extensions.Time.Testing;
using Penguin.Client;
using Penguin.Protocol;

namespace Penguin.Server.Tests;

/// <summary>
/// Groups (群) on the real server with real clients: fan-out to every device, catch-up by the group's seq, unread
/// counts that agree, every role rule, recall, history from joining, the size limit and bad input.
/// </summary>
public sealed class GroupsTests(ServerFixture fixture) : IClassFixture<ServerFixture>
{
    private TestServer Server => fixture.Server;

    private static async Task<string> CodeOf(Func<Task> action) => (await Assert.ThrowsAsync<PenguinException>(action)).Error.Code;

    /// <summary>An open group of the owner and the given members.</summary>
    private static async Task<long> GroupOfAsync(User owner, params User[] members)
    {
        var group = (await owner.Rest.CreateGroupAsync(new CreateGroupRequest("周末爬山群", "每周六", JoinPolicy: GroupJoinPolicy.Open))).Group.Id;
        foreach (var member in members) Assert.Equal(GroupJoinState.Joined, (await member.Rest.JoinGroupAsync(group)).State);
        return group;
    }

    private async Task<User[]> UsersAsync(params string[] names)
    {
        var users = new User[names.Length];
        for (var i = 0; i < names.Length; i++) users[i] = await Server.RegisterAsync(names[i]);
        return users;
    }

    /// <summary>Every frame queued for the device before now has arrived once this returns.</summary>
    private static async Task<IReadOnlyList<ServerFrame>> DrainAsync(PenguinConnection device)
    {
        await device.PingAsync();
        return device.TakeEvents();
    }

    [Fact]
    public async Task Send_ReachesEveryDeviceOfEveryOnlineMember_WithTheSameMessage()
    {
        var (alice, bob, carol) = (await UsersAsync("alice", "bob", "carol")) is var u ? (u[0], u[1], u[2]) : default;
        await using var _ = alice; await using var __ = bob; await using var ___ = carol;
        var group = await GroupOfAsync(alice, bob, carol);
        var alicePc = await alice.ConnectAsync();
        var (_, alicePhone) = await alice.AddDeviceAsync(DeviceKind.Mobile);
        var bobPc = await bob.ConnectAsync();
        var (_, bobPhone) = await bob.AddDeviceAsync(DeviceKind.Mobile);
        var carolWeb = await carol.ConnectAsync();

        var sent = await alicePc.SendGroupTextAsync(group, "大家好 🐧");

        Assert.False(sent.Duplicate);
        Assert.Equal((group, alice.Number, 1L, "大家好 🐧"), (sent.Message.GroupId, sent.Message.From, sent.Message.Seq, sent.Message.Text));
        foreach (var device in new[] { alicePc, alicePhone, bobPc, bobPhone, carolWeb })
            Assert.Equal(sent.Message, (await device.WaitForAsync<GroupMessageReceived>()).Message);
    }

    [Fact]
    public async Task Send_SameClientIdAgain_IsTheSameMessage()
    {
        var users = await UsersAsync("alice", "bob");
        await using var alice = users[0]; await using var bob = users[1];
        var group = await GroupOfAsync(alice, bob);
        var live = await alice.ConnectAsync();

        var first = await live.SendGroupTextAsync(group, "只发一次", clientId: "once-1");
        var again = await live.SendGroupTextAsync(group, "只发一次", clientId: "once-1");

        Assert.True(again.Duplicate);
        Assert.Equal(first.Message, again.Message);
        Assert.Single((await bob.Rest.GetGroupHistoryAsync(group)).Messages);
        Assert.Equal("bad_request", await CodeOf(() => live.SendGroupTextAsync(group, "别的内容", clientId: "once-1")));
    }

    [Fact]
    public async Task OfflineMember_CatchesUpByTheGroupsSeq_AndUnreadAgreesOnEveryDevice()
    {
        var users = await UsersAsync("alice", "bob");
        await using var alice = users[0]; await using var bob = users[1];
        var group = await GroupOfAsync(alice, bob);
        var aliceLive = await alice.ConnectAsync();
        var sent = new List<GroupMessage>();
        foreach (var text in new[] { "一", "二", "三" }) sent.Add((await aliceLive.SendGroupTextAsync(group, text)).Message);

        // Bob was offline: his devices learn what changed from one list, then fetch only what is new.
        var bobPc = await bob.ConnectAsync();
        var (phoneClient, bobPhone) = await bob.AddDeviceAsync(DeviceKind.Mobile);
        var summary = Assert.Single(await bob.Rest.GetMyGroupsAsync());
        Assert.Equal((3L, 0L, 3L), (summary.LastSeq, summary.ReadSeq, summary.Unread));
        Assert.Equal(sent, (await bob.Rest.GetGroupHistoryAsync(group, after: 0)).Messages);
        Assert.Equal(sent.Skip(1), (await bob.Rest.GetGroupHistoryAsync(group, after: 1)).Messages);

        await bobPc.MarkGroupReadAsync(group, 2);

        Assert.Equal(2, (await bobPhone.WaitForAsync<GroupRead>()).ReadSeq);
        Assert.Equal(1, Assert.Single(await bob.Rest.GetMyGroupsAsync()).Unread);
        Assert.Equal(1, Assert.Single(await phoneClient.GetMyGroupsAsync()).Unread);
        // The read count the sender sees: one of one possible reader has read message 2, none message 3.
        Assert.Equal(new GroupReadCount(2, 1, 1), await alice.Rest.GetGroupReadCountAsync(group, 2));
        Assert.Equal(new GroupReadCount(3, 0, 1), await alice.Rest.GetGroupReadCountAsync(group, 3));
    }

    [Fact]
    public async Task NewMember_SeesHistoryOnlyFromWhenTheyJoined()
    {
        var users = await UsersAsync("alice", "dave");
        await using var alice = users[0]; await using var dave = users[1];
        var group = await GroupOfAsync(alice);
        var live = await alice.ConnectAsync();
        await live.SendGroupTextAsync(group, "加入前");

        await dave.Rest.JoinGroupAsync(group);
        var after = (await live.SendGroupTextAsync(group, "加入后")).Message;

        Assert.Equal([after], (await dave.Rest.GetGroupHistoryAsync(group)).Messages);
        Assert.Equal([after], (await dave.Rest.GetGroupHistoryAsync(group, after: 0)).Messages);
        var mine = Assert.Single(await dave.Rest.GetMyGroupsAsync());
        Assert.Equal((1L, 1L), (mine.JoinedSeq, mine.Unread));
    }

    [Fact]
    public async Task Member_CannotKickMuteOrEdit_AndNothingChanges()
    {
        var users = await UsersAsync("alice", "bob", "carol");
        await using var alice = users[0]; await using var bob = users[1]; await using var carol = users[2];
        var group = await GroupOfAsync(alice, bob, carol);

        Assert.Equal("forbidden", await CodeOf(() => bob.Rest.KickAsync(group, carol.Number)));
        Assert.Equal("forbidden", await CodeOf(() => bob.Rest.MuteAsync(group, carol.Number, 10)));
        Assert.Equal("forbidden", await CodeOf(() => bob.Rest.UpdateGroupAsync(group, new UpdateGroupRequest(Announcement: "我说了算"))));
        Assert.Equal("forbidden", await CodeOf(() => bob.Rest.MuteAllAsync(group, true)));
        Assert.Equal("forbidden", await CodeOf(() => bob.Rest.SetGroupAdminAsync(group, carol.Number, true)));
        Assert.Equal("forbidden", await CodeOf(() => bob.Rest.DissolveGroupAsync(group)));

        var members = await alice.Rest.GetGroupMembersAsync(group);
        Assert.Equal(3, members.Length);
        Assert.All(members, m => Assert.Null(m.MutedUntil));
        var info = await carol.Rest.GetGroupAsync(group);
        Assert.Equal(("", false), (info.Announcement, info.MuteAll));
    }

    [Fact]
    public async Task Admin_ActsOnMembersOnly_TheOwnerOnAdminsToo()
    {
        var users = await UsersAsync("alice", "bob", "carol");
        await using var alice = users[0]; await using var bob = users[1]; await using var carol = users[2];
        var group = await GroupOfAsync(alice, bob, carol);
        var bobLive = await bob.ConnectAsync();

        Assert.Equal(GroupRole.Admin, (await alice.Rest.SetGroupAdminAsync(group, bob.Number, true)).Role);
        Assert.Equal(GroupRole.Admin, (await bobLive.WaitForAsync<GroupMembershipChanged>()).Member.Role);
        Assert.Equal("forbidden", await CodeOf(() => bob.Rest.KickAsync(group, alice.Number)));
        await alice.Rest.SetGroupAdminAsync(group, carol.Number, true);
        Assert.Equal("forbidden", await CodeOf(() => bob.Rest.MuteAsync(group, carol.Number, 5)));
        await alice.Rest.SetGroupAdminAsync(group, carol.Number, false);

        var announced = await bob.Rest.UpdateGroupAsync(group, new UpdateGroupRequest(Announcement: "周六 8 点\n地铁站集合"));
        Assert.Equal("周六 8 点\n地铁站集合", announced.Announcement);
        Assert.Equal(announced, (await bobLive.WaitForAsync<GroupUpdated>()).Group);
        await bob.Rest.KickAsync(group, carol.Number);
        Assert.Equal(2, (await alice.Rest.GetGroupMembersAsync(group)).Length);
    }

    [Fact]
    public async Task MutedMember_CannotSpeak_AndMuteAllSilencesAllButAdmins()
    {
        var users = await UsersAsync("alice", "bob", "carol");
        await using var alice = users[0]; await using var bob = users[1]; await using var carol = users[2];
        var group = await GroupOfAsync(alice, bob, carol);
        var aliceLive = await alice.ConnectAsync();
        var bobLive = await bob.ConnectAsync();
        var carolLive = await carol.ConnectAsync();

        var muted = await alice.Rest.MuteAsync(group, bob.Number, 10);
        Assert.NotNull(muted.MutedUntil);
        Assert.Equal("group_muted", await CodeOf(() => bobLive.SendGroupTextAsync(group, "让我说")));
        await alice.Rest.MuteAsync(group, bob.Number, 0);
        await bobLive.SendGroupTextAsync(group, "终于能说了");

        await alice.Rest.MuteAllAsync(group, true);
        Assert.Equal("group_muted", await CodeOf(() => carolLive.SendGroupTextAsync(group, "全员禁言了吗")));
        await aliceLive.SendGroupTextAsync(group, "群主照常发言");
        await alice.Rest.MuteAllAsync(group, false);
        await carolLive.SendGroupTextAsync(group, "解除了");

        Assert.Equal(["终于能说了", "群主照常发言", "解除了"], (await alice.Rest.GetGroupHistoryAsync(group)).Messages.Select(m => m.Text));
    }

    [Fact]
    public async Task KickedMember_ReceivesNothingMore_AndCannotReadOrPost()
    {
        var users = await UsersAsync("alice", "bob", "carol");
        await using var alice = users[0]; await using var bob = users[1]; await using var carol = users[2];
        var group = await GroupOfAsync(alice, bob, carol);
        var aliceLive = await alice.ConnectAsync();
        var bobLive = await bob.ConnectAsync();
        var carolLive = await carol.ConnectAsync();
        await aliceLive.SendGroupTextAsync(group, "踢人之前");
        await bobLive.WaitForAsync<GroupMessageReceived>();

        await alice.Rest.KickAsync(group, bob.Number);

        Assert.Equal(GroupLeaveReason.Kicked, (await bobLive.WaitForAsync<GroupLeft>(l => l.GroupId == group)).Reason);
        await aliceLive.SendGroupTextAsync(group, "踢人之后");
        await carolLive.WaitForAsync<GroupMessageReceived>(m => m.Message.Text == "踢人之后");
        Assert.DoesNotContain(await DrainAsync(bobLive), f => f is GroupMessageReceived { Message.Text: "踢人之后" });
        Assert.Equal("not_member", await CodeOf(() => bob.Rest.GetGroupHistoryAsync(group)));
        Assert.Equal("not_member", await CodeOf(() => bobLive.SendGroupTextAsync(group, "我还在吗")));
        Assert.Equal("not_member", await CodeOf(() => bob.Rest.GetGroupMembersAsync(group)));
        Assert.Empty(await bob.Rest.GetMyGroupsAsync());
    }

    [Fact]
    public async Task NonMember_CannotReadOrPost()
    {
        var users = await UsersAsync("alice", "mallory");
        await using var alice = users[0]; await using var mallory = users[1];
        var group = await GroupOfAsync(alice);
        await (await alice.ConnectAsync()).SendGroupTextAsync(group, "内部消息");
        var live = await mallory.ConnectAsync();

        Assert.Equal("not_member", await CodeOf(() => mallory.Rest.GetGroupHistoryAsync(group)));
        Assert.Equal("not_member", await CodeOf(() => live.SendGroupTextAsync(group, "偷偷发")));
        Assert.Equal("not_member", await CodeOf(() => live.MarkGroupReadAsync(group, 1)));
        Assert.Equal("not_member", await CodeOf(() => mallory.Rest.GetGroupReadCountAsync(group, 1)));
        Assert.Equal("not_found", await CodeOf(() => live.SendGroupTextAsync(999_999_999, "没有这个群")));
        Assert.Single((await alice.Rest.GetGroupHistoryAsync(group)).Messages);
        // The public card is visible to anyone, so they can decide to join.
        Assert.Equal(1, (await mallory.Rest.GetGroupAsync(group)).MemberCount);
    }

    [Fact]
    public async Task DissolvedGroup_AcceptsNothing_AndEveryMemberIsTold()
    {
        var users = await UsersAsync("alice", "bob", "eve");
        await using var alice = users[0]; await using var bob = users[1]; await using var eve = users[2];
        var group = await GroupOfAsync(alice, bob);
        var bobLive = await bob.ConnectAsync();
        var aliceLive = await alice.ConnectAsync();

        Assert.Equal("forbidden", await CodeOf(() => alice.Rest.LeaveGroupAsync(group)));
        await alice.Rest.DissolveGroupAsync(group);

        Assert.Equal(GroupLeaveReason.Dissolved, (await bobLive.WaitForAsync<GroupLeft>()).Reason);
        Assert.Equal(GroupLeaveReason.Dissolved, (await aliceLive.WaitForAsync<GroupLeft>()).Reason);
        Assert.Equal("group_dissolved", await CodeOf(() => aliceLive.SendGroupTextAsync(group, "还有人吗")));
        Assert.Equal("group_dissolved", await CodeOf(() => eve.Rest.JoinGroupAsync(group)));
        Assert.Equal("group_dissolved", await CodeOf(() => alice.Rest.UpdateGroupAsync(group, new UpdateGroupRequest(Name: "复活"))));
        Assert.True((await eve.Rest.GetGroupAsync(group)).Dissolved);
        Assert.Empty(await bob.Rest.GetMyGroupsAsync());
    }

    [Fact]
    public async Task Recall_OwnWithinTwoMinutes_OthersOnlyByAdmins()
    {
        var users = await UsersAsync("alice", "bob", "carol");
        await using var alice = users[0]; await using var bob = users[1]; await using var carol = users[2];
        var group = await GroupOfAsync(alice, bob, carol);
        var bobLive = await bob.ConnectAsync();
        var carolLive = await carol.ConnectAsync();
        var bobs = (await bobLive.SendGroupTextAsync(group, "发错群了")).Message;
        var carols = (await carolLive.SendGroupTextAsync(group, "卡罗尔的消息")).Message;

        Assert.Equal("forbidden", await CodeOf(() => bobLive.RecallGroupMessageAsync(group, carols.Id)));
        await bobLive.RecallGroupMessageAsync(group, bobs.Id);
        var recalled = await carolLive.WaitForAsync<GroupMessageRecalled>();
        Assert.Equal((bobs.Id, bobs.Seq, bob.Number), (recalled.Id, recalled.MessageSeq, recalled.By));
        Assert.Equal("request_closed", await CodeOf(() => bobLive.RecallGroupMessageAsync(group, bobs.Id)));
        await (await alice.ConnectAsync()).RecallGroupMessageAsync(group, carols.Id); // the owner recalls anyone's

        var history = (await carol.Rest.GetGroupHistoryAsync(group)).Messages;
        Assert.All(history, m => Assert.True(m.Recalled));
        Assert.All(history, m => Assert.Null(m.Text));
    }

    [Fact]
    public async Task Recall_OwnAfterTwoMinutes_IsExpired_ButAnAdminStillMay()
    {
        var clock = new FakeTimeProvider(DateTimeOffset.FromUnixTimeMilliseconds(TimeProvider.System.GetUtcNow().ToUnixTimeMilliseconds()));
        await using var server = await TestServer.StartAsync(o => o.HeartbeatTimeout = TimeSpan.FromHours(1), clock);
        await using var alice = await server.RegisterAsync("alice");
        await using var bob = await server.RegisterAsync("bob");
        var group = await GroupOfAsync(alice, bob);
        var bobLive = await bob.ConnectAsync();
        var old = (await bobLive.SendGroupTextAsync(group, "两分钟前")).Message;

        clock.Advance(Limits.RecallWindow + TimeSpan.FromSeconds(1));

        Assert.Equal("recall_expired", await CodeOf(() => bobLive.RecallGroupMessageAsync(group, old.Id)));
        await (await alice.ConnectAsync()).RecallGroupMessageAsync(group, old.Id);
        Assert.True(Assert.Single((await bob.Rest.GetGroupHistoryAsync(group)).Messages).Recalled);
    }

    [Fact]
    public async Task Join_BeyondTheSizeLimit_IsGroupFull_AndChangesNothing()
    {
        await using var server = await TestServer.StartAsync(o => o.Groups.MaxMembers = 3);
        await using var alice = await server.RegisterAsync("alice");
        await using var bob = await server.RegisterAsync("bob");
        await using var carol = await server.RegisterAsync("carol");
        await using var dave = await server.RegisterAsync("dave");
        var group = await GroupOfAsync(alice, bob, carol);

        var full = await Assert.ThrowsAsync<PenguinException>(() => dave.Rest.JoinGroupAsync(group));

        Assert.Equal(("group_full", 409), (full.Error.Code, full.Status));
        Assert.Contains("3", full.Error.Message, StringComparison.Ordinal);
        Assert.Equal((3, 3), ((await dave.Rest.GetGroupAsync(group)).MemberCount, (await dave.Rest.GetGroupAsync(group)).MaxMembers));
        Assert.Empty(await dave.Rest.GetMyGroupsAsync());
    }

    [Fact]
    public async Task BadInput_GetsAClearError_AndChangesNothing()
    {
        var users = await UsersAsync("alice", "bob");
        await using var alice = users[0]; await using var bob = users[1];
        var group = await GroupOfAsync(alice, bob);
        var live = await alice.ConnectAsync();

        Assert.Equal("invalid_field", await CodeOf(() => alice.Rest.CreateGroupAsync(new CreateGroupRequest("   "))));
        Assert.Equal("invalid_field", await CodeOf(() => alice.Rest.CreateGroupAsync(new CreateGroupRequest(new string('群', 31)))));
        Assert.Equal("invalid_field", await CodeOf(() => alice.Rest.CreateGroupAsync(new CreateGroupRequest("好名字", Avatar: "not-an-avatar"))));
        Assert.Equal("invalid_message", await CodeOf(() => live.SendGroupTextAsync(group, "  ")));
        Assert.Equal("invalid_message", await CodeOf(() => live.SendGroupTextAsync(group, new string('a', Limits.MessageMaxLength + 1))));
        Assert.Equal("invalid_field", await CodeOf(() => live.SendGroupTextAsync(group, "hi", clientId: new string('c', 65))));
        Assert.Equal("invalid_field", await CodeOf(() => alice.Rest.MuteAsync(group, bob.Number, -1)));
        Assert.Equal("invalid_field", await CodeOf(() => alice.Rest.SetGroupCardAsync(group, new string('名', 31))));
        Assert.Equal("invalid_field", await CodeOf(() => live.MarkGroupReadAsync(group, -1)));
        Assert.Equal("not_member", await CodeOf(() => alice.Rest.KickAsync(group, 42)));

        Assert.Single(await alice.Rest.GetMyGroupsAsync());
        Assert.Empty((await alice.Rest.GetGroupHistoryAsync(group)).Messages);
        Assert.All(await alice.Rest.GetGroupMembersAsync(group), m => Assert.Null(m.Card));
    }

    [Fact]
    public async Task Mentions_ReachTheMemberEvenWhenSilentOrBlocking_AndAtAllIsForAdmins()
    {
        var users = await UsersAsync("alice", "bob", "carol", "stranger");
        await using var alice = users[0]; await using var bob = users[1]; await using var carol = users[2]; await using var stranger = users[3];
        var group = await GroupOfAsync(alice, bob, carol);
        await bob.Rest.SetGroupNotifyAsync(group, GroupNotify.Silent);
        await carol.Rest.SetGroupNotifyAsync(group, GroupNotify.Block);
        var bobLive = await bob.ConnectAsync();
        var carolLive = await carol.ConnectAsync();
        var strangerLive = await stranger.ConnectAsync();
        var aliceLive = await alice.ConnectAsync();

        var sent = (await aliceLive.SendGroupTextAsync(group, "@bob @carol 看这里", mentions: [bob.Number, carol.Number, stranger.Number])).Message;

        Assert.Equal([bob.Number, carol.Number], sent.Mentions ?? []);
        Assert.Equal(sent.Id, (await bobLive.WaitForAsync<GroupMentioned>()).MessageId);
        Assert.Equal(sent.Seq, (await carolLive.WaitForAsync<GroupMentioned>()).MessageSeq);
        Assert.Equal(sent, (await bobLive.WaitForAsync<GroupMessageReceived>()).Message); // silent still receives
        Assert.DoesNotContain(await DrainAsync(carolLive), f => f is GroupMessageReceived); // block receives nothing live
        Assert.DoesNotContain(await DrainAsync(strangerLive), f => f is GroupMentioned);

        Assert.Equal("forbidden", await CodeOf(() => bobLive.SendGroupTextAsync(group, "@全体成员", mentionAll: true)));
        Assert.True((await aliceLive.SendGroupTextAsync(group, "@全体成员 开会", mentionAll: true)).Message.MentionAll);
    }

    [Fact]
    public async Task JoinPolicies_ApprovalInvitationAndRefusal()
    {
        var users = await UsersAsync("alice", "bob", "carol", "dave");
        await using var alice = users[0]; await using var bob = users[1]; await using var carol = users[2]; await using var dave = users[3];
        var approval = (await alice.Rest.CreateGroupAsync(new CreateGroupRequest("审核群", JoinPolicy: GroupJoinPolicy.Approval))).Group.Id;
        var inviteOnly = (await alice.Rest.CreateGroupAsync(new CreateGroupRequest("邀请群", JoinPolicy: GroupJoinPolicy.Invite))).Group.Id;
        var aliceLive = await alice.ConnectAsync();
        var carolLive = await carol.ConnectAsync();

        var pending = await bob.Rest.JoinGroupAsync(approval, "我想加入");
        Assert.Equal(GroupJoinState.Pending, pending.State);
        Assert.Equal(pending.Request, (await aliceLive.WaitForAsync<GroupJoinRequested>()).Request);
        Assert.Equal("not_member", await CodeOf(() => bob.Rest.ApproveJoinAsync(approval, pending.Request!.Id)));
        var approved = await alice.Rest.ApproveJoinAsync(approval, pending.Request!.Id);
        Assert.Equal(GroupRole.Member, approved.Role);
        Assert.Empty(await alice.Rest.GetJoinRequestsAsync(approval));

        var refused = await carol.Rest.JoinGroupAsync(approval);
        await alice.Rest.RefuseJoinAsync(approval, refused.Request!.Id);
        Assert.Equal(refused.Request.Id, (await carolLive.WaitForAsync<GroupJoinRefused>()).RequestId);
        Assert.Null(Array.Find(await alice.Rest.GetGroupMembersAsync(approval), m => m.Number == carol.Number));

        Assert.Equal("forbidden", await CodeOf(() => carol.Rest.JoinGroupAsync(inviteOnly)));
        Assert.Equal("not_friends", await CodeOf(() => alice.Rest.InviteToGroupAsync(inviteOnly, dave.Number)));
        await alice.BefriendAsync(carol);
        await alice.Rest.InviteToGroupAsync(inviteOnly, carol.Number);
        Assert.Equal(inviteOnly, (await carolLive.WaitForAsync<GroupInvited>()).Group.Id);
        Assert.Equal(GroupJoinState.Joined, (await carol.Rest.JoinGroupAsync(inviteOnly)).State);
        Assert.Equal("already_member", await CodeOf(() => carol.Rest.JoinGroupAsync(inviteOnly)));
    }

    [Fact]
    public async Task Transfer_MakesANewOwner_WhoAloneMayDissolve_AndMembersLeaveFreely()
    {
        var users = await UsersAsync("alice", "bob", "carol");
        await using var alice = users[0]; await using var bob = users[1]; await using var carol = users[2];
        var group = await GroupOfAsync(alice, bob, carol);

        Assert.Equal("not_member", await CodeOf(() => alice.Rest.TransferGroupAsync(group, 42)));
        await alice.Rest.TransferGroupAsync(group, bob.Number);

        Assert.Equal(bob.Number, (await carol.Rest.GetGroupAsync(group)).Owner);
        Assert.Equal("forbidden", await CodeOf(() => alice.Rest.DissolveGroupAsync(group)));
        await carol.Rest.SetGroupCardAsync(group, "小卡");
        Assert.Equal("小卡", Array.Find(await bob.Rest.GetGroupMembersAsync(group), m => m.Number == carol.Number)!.Card);
        await carol.Rest.LeaveGroupAsync(group);
        await alice.Rest.LeaveGroupAsync(group); // now an admin, no longer the owner
        Assert.Equal(1, (await bob.Rest.GetGroupAsync(group)).MemberCount);
    }

    [Fact]
    public async Task AnsweredJoinRequest_LeavesEveryAdminsInbox_Live()
    {
        var users = await UsersAsync("alice", "bob", "carol", "dave");
        await using var alice = users[0]; await using var bob = users[1]; await using var carol = users[2]; await using var dave = users[3];
        var group = await GroupOfAsync(alice, bob);
        await alice.Rest.SetGroupAdminAsync(group, bob.Number, admin: true);
        await alice.Rest.UpdateGroupAsync(group, new UpdateGroupRequest(JoinPolicy: GroupJoinPolicy.Approval));
        var aliceLive = await alice.ConnectAsync();
        var bobLive = await bob.ConnectAsync();

        var first = (await carol.Rest.JoinGroupAsync(group, "我也去")).Request!;
        Assert.Equal(first, (await bobLive.WaitForAsync<GroupJoinRequested>()).Request);
        Assert.Equal(first, (await aliceLive.WaitForAsync<GroupJoinRequested>()).Request);
        await alice.Rest.ApproveJoinAsync(group, first.Id);
        // The other admin's inbox learns at once that the request is answered, and by whom.
        Assert.Equal(new GroupJoinRequestHandled(group, first.Id, alice.Number, Approved: true) { Seq = 0 },
            (await bobLive.WaitForAsync<GroupJoinRequestHandled>()) with { Seq = 0 });
        Assert.True((await aliceLive.WaitForAsync<GroupJoinRequestHandled>()).Approved);

        var second = (await dave.Rest.JoinGroupAsync(group)).Request!;
        await aliceLive.WaitForAsync<GroupJoinRequested>();
        await bob.Rest.RefuseJoinAsync(group, second.Id);
        var refused = await aliceLive.WaitForAsync<GroupJoinRequestHandled>();
        Assert.Equal((group, second.Id, bob.Number, false), (refused.GroupId, refused.RequestId, refused.By, refused.Approved));
        Assert.Empty(await alice.Rest.GetJoinRequestsAsync(group));
        Assert.Equal("not_found", await CodeOf(() => alice.Rest.ApproveJoinAsync(group, second.Id)));
        Assert.DoesNotContain(await DrainAsync(await carol.ConnectAsync()), f => f is GroupJoinRequestHandled); // only admins are told
    }
}
