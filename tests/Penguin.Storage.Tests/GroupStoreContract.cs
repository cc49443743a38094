using Penguin.Core.Common;
using Penguin.Core.Groups;
using Penguin.Core.Outbox;
using Penguin.Protocol;
using Penguin.Storage.Tests.Engines;

namespace Penguin.Storage.Tests;

/// <summary>
/// What every <see cref="IGroupStore"/> must do: a group with its own number, members with cursors from their join,
/// messages stored once with a per-group seq (idempotent, members only), mentions as the only per-user events of a
/// send, read cursors, recall, requests, invitations, transfer and dissolution.
/// </summary>
public abstract class GroupStoreContract(StorageEngine engine) : ContractBase(engine)
{
    private async Task<(long Group, long Owner)> NewGroupAsync(GroupJoinPolicy policy = GroupJoinPolicy.Open)
    {
        var owner = await NewUserAsync("owner");
        var created = await Groups.CreateAsync(new NewGroup(owner, "企鹅群", "penguin-03", "简介", policy, Now), NoEvents<GroupMembership>());
        return (created.Value.Value.Group.Id, owner);
    }

    private async Task<long> JoinAsync(long group, int max = 500)
    {
        var user = await NewUserAsync("member");
        Ok(await Groups.AddMemberAsync(group, user, Now, max, NoEvents<GroupMembership>()));
        return user;
    }

    private async Task<GroupMessageRecord> SendAsync(long group, long sender, string text, params long[] mentions)
    {
        var sent = Ok(await Groups.SendAsync(new NewGroupMessage(group, sender, Guid.NewGuid().ToString("N"), text, mentions, false, Now), MentionEvents));
        Assert.False(sent.Value.Duplicate);
        return sent.Value.Message;
    }

    private static IEnumerable<EventDraft> MentionEvents(GroupMessageRecord m) =>
        m.Mentions.Select(id => new EventDraft(id, new GroupMentioned(m.GroupId, m.Id, m.Seq, m.SenderId)));

    [Fact]
    public async Task Create_OwnerIsTheOnlyMember_AndTheGroupHasANumberOfItsOwn()
    {
        var owner = await NewUserAsync("owner");
        var created = await Groups.CreateAsync(new NewGroup(owner, "企鹅群", "penguin-03", "简介", GroupJoinPolicy.Approval, Now),
            m => [new EventDraft(owner, new GroupLeft(m.Group.Id, GroupLeaveReason.Left))]);

        var (group, member) = created.Value.Value;
        Assert.True(group.Id > 200_000);
        Assert.Equal(("企鹅群", "penguin-03", "简介", GroupJoinPolicy.Approval, owner, 1, 0L, false), (group.Name, group.Avatar, group.Introduction, group.JoinPolicy, group.OwnerId, group.MemberCount, group.LastSeq, group.Dissolved));
        Assert.Equal((GroupRole.Owner, 0L, 0L, GroupNotify.Notify), (member.Role, member.JoinedSeq, member.ReadSeq, member.Notify));
        Assert.Equal(owner, Assert.Single(created.Value.Events).UserId);
        Assert.Equal(group, await Groups.GetAsync(group.Id));
        Assert.Equal(member, Assert.Single(await Groups.ListMembersAsync(group.Id)));
    }

    [Fact]
    public async Task GroupsPerUser_CreatingAndJoiningSideBySide_StopAtTheLimit()
    {
        var user = await NewUserAsync("joiner");
        var (open, _) = await NewGroupAsync();
        var others = new List<long>();
        for (var i = 0; i < 8; i++) others.Add((await NewGroupAsync()).Group);
        for (var i = 0; i < Limits.MaxGroupsPerUser - 5; i++)
            Ok(await Groups.CreateAsync(new NewGroup(user, $"群{i}", "penguin-03", "", GroupJoinPolicy.Open, Now), NoEvents<GroupMembership>()));

        // Five places left, and twelve requests for them at once: eight joins and four creations.
        var joins = others.Select(g => Groups.AddMemberAsync(g, user, Now, 500, NoEvents<GroupMembership>()).AsTask());
        var creations = Enumerable.Range(0, 4).Select(i =>
            Groups.CreateAsync(new NewGroup(user, $"新群{i}", "penguin-03", "", GroupJoinPolicy.Open, Now), NoEvents<GroupMembership>()).AsTask());
        var joined = await Task.WhenAll(joins);
        var created = await Task.WhenAll(creations);

        Assert.Equal(5, joined.Count(r => r.IsOk) + created.Count(r => r.IsOk));
        Assert.All(joined.Where(r => !r.IsOk), r => Assert.Equal("limit_reached", r.Error!.Code));
        Assert.All(created.Where(r => !r.IsOk), r => Assert.Equal("limit_reached", r.Error!.Code));
        Assert.Equal(Limits.MaxGroupsPerUser, (await Groups.ListForUserAsync(user)).Count);
        Assert.Equal("limit_reached", (await Groups.AddMemberAsync(open, user, Now, 500, NoEvents<GroupMembership>())).Error!.Code);
    }

    [Fact]
    public async Task Send_SeqsCountPerGroup_AndOnlyMentionedMembersGetAnEvent()
    {
        var (group, owner) = await NewGroupAsync();
        var (other, otherOwner) = await NewGroupAsync();
        var bob = await JoinAsync(group);
        var carol = await JoinAsync(group);
        var heads = (Owner: await Events.HeadAsync(owner), Bob: await Events.HeadAsync(bob), Carol: await Events.HeadAsync(carol));

        var m1 = await SendAsync(group, owner, "大家好");
        var m2 = await SendAsync(group, bob, "@carol 你好", carol);
        var o1 = await SendAsync(other, otherOwner, "别的群");
        var m3 = await SendAsync(group, carol, "👋");

        Assert.Equal([1L, 2L, 3L], new[] { m1, m2, m3 }.Select(m => m.Seq));
        Assert.Equal(1, o1.Seq);
        Assert.Equal([carol], m2.Mentions);
        // Stored once: no member's log grows with the traffic, only the mentioned member's, by one event.
        Assert.Equal((heads.Owner, heads.Bob, heads.Carol + 1), (await Events.HeadAsync(owner), await Events.HeadAsync(bob), await Events.HeadAsync(carol)));
        Assert.Equal(3, (await Groups.GetAsync(group))!.LastSeq);
        Assert.Equal([m1, m2, m3], await Groups.HistoryAsync(group, 0, long.MaxValue, 10, oldestFirst: true));
        // Sending reads the group up to the message for its sender.
        Assert.Equal(3, (await Groups.GetMemberAsync(group, carol))!.ReadSeq);
    }

    [Fact]
    public async Task Send_SameClientIdAgain_ReturnsTheStoredMessageAsDuplicate()
    {
        var (group, owner) = await NewGroupAsync();
        var first = Ok(await Groups.SendAsync(new NewGroupMessage(group, owner, "c-1", "第一次", [], false, Now), NoEvents<GroupMessageRecord>()));

        var retry = Ok(await Groups.SendAsync(new NewGroupMessage(group, owner, "c-1", "第一次", [], false, Now.AddSeconds(3)), NoEvents<GroupMessageRecord>()));

        Assert.True(retry.Value.Duplicate);
        Assert.Equal(first.Value.Message, retry.Value.Message);
        Assert.Equal(first.Value.Message, await Groups.FindSentAsync(group, owner, "c-1"));
        Assert.Equal(1, (await Groups.GetAsync(group))!.LastSeq);
    }

    [Fact]
    public async Task Send_ByANonMember_IsRefusedAndStoresNothing()
    {
        var (group, _) = await NewGroupAsync();
        var stranger = await NewUserAsync("stranger");

        Fails("not_member", await Groups.SendAsync(new NewGroupMessage(group, stranger, "c-x", "hi", [], false, Now), NoEvents<GroupMessageRecord>()));
        Fails("not_found", await Groups.SendAsync(new NewGroupMessage(999_999_999, stranger, "c-x", "hi", [], false, Now), NoEvents<GroupMessageRecord>()));

        Assert.Equal(0, (await Groups.GetAsync(group))!.LastSeq);
        Assert.Empty(await Groups.HistoryAsync(group, 0, long.MaxValue, 10, oldestFirst: true));
    }

    [Fact]
    public async Task AddMember_StartsTheirCursorsAtTheGroupsLastSeq_AndMovesTheMembersVersion()
    {
        var (group, owner) = await NewGroupAsync();
        await SendAsync(group, owner, "一");
        await SendAsync(group, owner, "二");
        var version = (await Groups.GetAsync(group))!.MembersVersion;

        var dave = await NewUserAsync("dave");
        var joined = Ok(await Groups.AddMemberAsync(group, dave, Now, 500, m => [new EventDraft(dave, new GroupLeft(m.Group.Id, GroupLeaveReason.Left))]));

        Assert.Equal((GroupRole.Member, 2L, 2L), (joined.Value.Member.Role, joined.Value.Member.JoinedSeq, joined.Value.Member.ReadSeq));
        Assert.Equal(2, joined.Value.Group.MemberCount);
        Assert.True(joined.Value.Group.MembersVersion > version);
        Assert.Equal(dave, Assert.Single(joined.Events).UserId);
        Fails("already_member", await Groups.AddMemberAsync(group, dave, Now, 500, NoEvents<GroupMembership>()));
    }

    [Fact]
    public async Task AddMember_ToAFullGroup_IsRefusedAndChangesNothing()
    {
        var (group, _) = await NewGroupAsync();
        await JoinAsync(group, max: 2);
        var late = await NewUserAsync("late");

        Fails("group_full", await Groups.AddMemberAsync(group, late, Now, 2, NoEvents<GroupMembership>()));

        Assert.Null(await Groups.GetMemberAsync(group, late));
        Assert.Equal(2, (await Groups.GetAsync(group))!.MemberCount);
    }

    [Fact]
    public async Task RemoveMember_EndsTheMembership_AndASecondRemoveIsNotMember()
    {
        var (group, _) = await NewGroupAsync();
        var bob = await JoinAsync(group);

        var removed = Ok(await Groups.RemoveMemberAsync(group, bob, NoEvents<GroupRecord>()));

        Assert.Equal(1, removed.Value.MemberCount);
        Assert.Null(await Groups.GetMemberAsync(group, bob));
        Assert.Empty(await Groups.ListForUserAsync(bob));
        Fails("not_member", await Groups.RemoveMemberAsync(group, bob, NoEvents<GroupRecord>()));
    }

    [Fact]
    public async Task MarkRead_MovesForwardOnly_AndNeverPastTheLastSeq()
    {
        var (group, owner) = await NewGroupAsync();
        var bob = await JoinAsync(group);
        for (var i = 0; i < 3; i++) await SendAsync(group, owner, $"m{i}");

        var first = await Groups.MarkReadAsync(group, bob, 2, r => [new EventDraft(bob, new GroupRead(group, r!.Value))]);
        var back = await Groups.MarkReadAsync(group, bob, 1, r => r is null ? [] : [new EventDraft(bob, new GroupRead(group, r.Value))]);
        var past = await Groups.MarkReadAsync(group, bob, 99, r => r is null ? [] : [new EventDraft(bob, new GroupRead(group, r.Value))]);

        Assert.Equal(2, first.Value);
        Assert.Single(first.Events);
        Assert.Null(back.Value);
        Assert.Empty(back.Events);
        Assert.Equal(3, past.Value);
        Assert.Equal(3, (await Groups.GetMemberAsync(group, bob))!.ReadSeq);
    }

    [Fact]
    public async Task ReadStats_CountMembersWhoReadAmongThoseWhoJoinedBefore_WithoutTheSender()
    {
        var (group, owner) = await NewGroupAsync();
        var bob = await JoinAsync(group);
        var carol = await JoinAsync(group);
        var message = await SendAsync(group, owner, "已读统计");
        await JoinAsync(group); // joined after: cannot read it
        await Groups.MarkReadAsync(group, bob, message.Seq, NoEvents<long?>());

        Assert.Equal(new GroupReadStats(1, 2), await Groups.ReadStatsAsync(group, message.Seq, owner));
        await Groups.MarkReadAsync(group, carol, message.Seq, NoEvents<long?>());
        Assert.Equal(new GroupReadStats(2, 2), await Groups.ReadStatsAsync(group, message.Seq, owner));
    }

    [Fact]
    public async Task Recall_ErasesTheText_AndASecondRecallIsClosed()
    {
        var (group, owner) = await NewGroupAsync();
        var message = await SendAsync(group, owner, "说错了");

        var recalled = Ok(await Groups.RecallAsync(group, message.Id, Now.AddSeconds(10)));

        Assert.Null(recalled.Text);
        Assert.Equal(Now.AddSeconds(10), recalled.RecalledAt);
        Assert.Equal(recalled, await Groups.GetMessageAsync(group, message.Id));
        Fails("request_closed", await Groups.RecallAsync(group, message.Id, Now.AddSeconds(20)));
        Fails("not_found", await Groups.RecallAsync(group, message.Id + 1_000_000, Now));
    }

    [Fact]
    public async Task UpdateMember_WritesRoleCardMuteAndNotify_AndMovesTheMembersVersion()
    {
        var (group, _) = await NewGroupAsync();
        var bob = await JoinAsync(group);
        var before = (await Groups.GetAsync(group))!.MembersVersion;

        var updated = Ok(await Groups.UpdateMemberAsync(group, bob, m => m with { Role = GroupRole.Admin, Card = "小波", MutedUntil = Now.AddMinutes(10), Notify = GroupNotify.Block },
            NoEvents<MemberRecord>()));

        Assert.Equal((GroupRole.Admin, "小波", Now.AddMinutes(10), GroupNotify.Block), (updated.Value.Role, updated.Value.Card, updated.Value.MutedUntil, updated.Value.Notify));
        Assert.Equal(updated.Value, await Groups.GetMemberAsync(group, bob));
        Assert.True((await Groups.GetAsync(group))!.MembersVersion > before);
        Fails("not_member", await Groups.UpdateMemberAsync(group, bob + 1_000_000, m => m with { Card = "谁" }, NoEvents<MemberRecord>()));
    }

    [Fact]
    public async Task UpdateMember_AChangeThatRefuses_WritesNothing()
    {
        var (group, _) = await NewGroupAsync();
        var bob = await JoinAsync(group);
        var before = (await Groups.GetMemberAsync(group, bob))!;

        Fails("forbidden", await Groups.UpdateMemberAsync(group, bob, _ => Errors.Forbidden, NoEvents<MemberRecord>()));

        Assert.Equal(before, await Groups.GetMemberAsync(group, bob));
    }

    /// <summary>
    /// Mutes, cards and roles set at the same time, each a change of one field: every one holds. Writing back a record
    /// read before the others committed lost all but the last.
    /// </summary>
    [Fact]
    public async Task UpdateMember_ConcurrentChangesOfDifferentFields_AllHold()
    {
        var (group, _) = await NewGroupAsync();
        var bob = await JoinAsync(group);
        var gate = new TaskCompletionSource();
        Func<MemberRecord, Result<MemberRecord>>[] changes =
        [
            m => m with { Card = "小波" },
            m => m with { MutedUntil = Now.AddMinutes(10) },
            m => m with { Role = GroupRole.Admin },
            m => m with { Notify = GroupNotify.Block },
        ];

        await Task.WhenAll(changes.Select(change => Task.Run(async () =>
        {
            await gate.Task;
            Ok(await Groups.UpdateMemberAsync(group, bob, change, NoEvents<MemberRecord>()));
        })).Concat([Task.Run(gate.SetResult)]));

        var after = (await Groups.GetMemberAsync(group, bob))!;
        Assert.Equal(("小波", Now.AddMinutes(10), GroupRole.Admin, GroupNotify.Block), (after.Card, after.MutedUntil, after.Role, after.Notify));
    }

    [Fact]
    public async Task UpdateGroup_ConcurrentChangesOfDifferentFields_AllHold()
    {
        var (group, _) = await NewGroupAsync();
        var gate = new TaskCompletionSource();
        Func<GroupRecord, Result<GroupRecord>>[] changes =
        [
            g => g with { Name = "新名字" },
            g => g with { MuteAll = true },
            g => g with { Announcement = "周五聚餐" },
            g => g with { JoinPolicy = GroupJoinPolicy.Invite },
        ];

        await Task.WhenAll(changes.Select(change => Task.Run(async () =>
        {
            await gate.Task;
            Ok(await Groups.UpdateGroupAsync(group, change, NoEvents<GroupRecord>()));
        })).Concat([Task.Run(gate.SetResult)]));

        var after = (await Groups.GetAsync(group))!;
        Assert.Equal(("新名字", true, "周五聚餐", GroupJoinPolicy.Invite), (after.Name, after.MuteAll, after.Announcement, after.JoinPolicy));
    }

    [Fact]
    public async Task Transfer_MakesTheNewOwnerOwnerAndTheOldOneAdmin()
    {
        var (group, owner) = await NewGroupAsync();
        var bob = await JoinAsync(group);

        var transferred = Ok(await Groups.TransferAsync(group, owner, bob, NoEvents<GroupRecord>()));

        Assert.Equal(bob, transferred.Value.OwnerId);
        Assert.Equal(GroupRole.Owner, (await Groups.GetMemberAsync(group, bob))!.Role);
        Assert.Equal(GroupRole.Admin, (await Groups.GetMemberAsync(group, owner))!.Role);
    }

    [Fact]
    public async Task RemoveMember_TheOwner_IsRefused_EvenOneMadeOwnerSinceTheCallersCheck()
    {
        var (group, owner) = await NewGroupAsync();
        var bob = await JoinAsync(group);
        Fails("forbidden", await Groups.RemoveMemberAsync(group, owner, EventsTo<GroupRecord>(owner)));
        // Bob leaves, checked as a member; the owner transfers the group to him before the write.
        Ok(await Groups.TransferAsync(group, owner, bob, NoEvents<GroupRecord>()));
        var version = (await Groups.GetAsync(group))!.MembersVersion;

        Fails("forbidden", await Groups.RemoveMemberAsync(group, bob, EventsTo<GroupRecord>(bob)));

        var after = (await Groups.GetAsync(group))!;
        Assert.Equal((bob, 2, version), (after.OwnerId, after.MemberCount, after.MembersVersion));
        Assert.Equal(GroupRole.Owner, (await Groups.GetMemberAsync(group, bob))!.Role);
    }

    [Fact]
    public async Task RemoveMember_ACheckThatRefuses_SeesTheMemberAsStored_AndWritesNothing()
    {
        var (group, owner) = await NewGroupAsync();
        var bob = await JoinAsync(group);
        // An admin's kick, checked while Bob was a member; the owner makes him an admin before the write.
        Ok(await Groups.UpdateMemberAsync(group, bob, m => m with { Role = GroupRole.Admin }, NoEvents<MemberRecord>()));

        Fails("forbidden", await Groups.RemoveMemberAsync(group, bob, EventsTo<GroupRecord>(bob),
            m => m.Role > GroupRole.Member ? Errors.Forbidden : null));

        Assert.Equal(GroupRole.Admin, (await Groups.GetMemberAsync(group, bob))!.Role);
        Assert.Equal(2, (await Groups.GetAsync(group))!.MemberCount);
        Ok(await Groups.RemoveMemberAsync(group, bob, NoEvents<GroupRecord>(), m => m.Role > GroupRole.Admin ? Errors.Forbidden : null));
        Assert.Null(await Groups.GetMemberAsync(group, bob));
        Assert.Equal(owner, (await Groups.GetAsync(group))!.OwnerId);
    }

    [Fact]
    public async Task AddMember_ADeletedAccount_IsNotFound_AndNobodyIsAdded()
    {
        var (group, owner) = await NewGroupAsync(GroupJoinPolicy.Approval);
        var eve = await NewUserAsync("eve");
        var request = await Groups.RequestJoinAsync(group, eve, "我是 Eve", Now, NoEvents<GroupJoinRequest>());
        await Groups.InviteAsync((await Groups.GetAsync(group))!, eve, owner, Now, NoEvents<GroupRecord>());
        await Accounts.MarkDeletedAsync(eve, Now);
        var version = (await Groups.GetAsync(group))!.MembersVersion;

        Fails("not_found", await Groups.AddMemberAsync(group, eve, Now, 500, EventsTo<GroupMembership>(eve, owner)));

        Assert.Null(await Groups.GetMemberAsync(group, eve));
        Assert.Equal((1, version), ((await Groups.GetAsync(group))!.MemberCount, (await Groups.GetAsync(group))!.MembersVersion));
        Assert.Equal(request.Value, Assert.Single(await Groups.ListJoinRequestsAsync(group))); // nothing written, the request included
        Assert.Empty(await Groups.ListForUserAsync(eve));
    }

    [Fact]
    public async Task Transfer_ToADeletedAccount_IsNotFound_AndTheOwnerStays()
    {
        var (group, owner) = await NewGroupAsync();
        var bob = await JoinAsync(group);
        await Accounts.MarkDeletedAsync(bob, Now);

        Fails("not_found", await Groups.TransferAsync(group, owner, bob, EventsTo<GroupRecord>(owner, bob)));

        Assert.Equal(owner, (await Groups.GetAsync(group))!.OwnerId);
        Assert.Equal((GroupRole.Owner, GroupRole.Member), ((await Groups.GetMemberAsync(group, owner))!.Role, (await Groups.GetMemberAsync(group, bob))!.Role));
    }

    private async Task<long> JoinAtAsync(long group, DateTimeOffset at)
    {
        var user = await NewUserAsync("member");
        Ok(await Groups.AddMemberAsync(group, user, at, 500, NoEvents<GroupMembership>()));
        return user;
    }

    [Fact]
    public async Task RemoveDeleted_AnOwner_PassesTheGroupToTheLongestStandingAdmin_ThenMember_PassingOverDeletedAccounts()
    {
        var (group, owner) = await NewGroupAsync();
        var gone = await JoinAtAsync(group, Now.AddMinutes(1));   // the longest-standing, but deleted too
        var early = await JoinAtAsync(group, Now.AddMinutes(2));
        var admin = await JoinAtAsync(group, Now.AddMinutes(3));
        var lateAdmin = await JoinAtAsync(group, Now.AddMinutes(4));
        foreach (var a in new[] { admin, lateAdmin }) Ok(await Groups.UpdateMemberAsync(group, a, m => m with { Role = GroupRole.Admin }, NoEvents<MemberRecord>()));
        await Accounts.MarkDeletedAsync(gone, Now);
        await Accounts.MarkDeletedAsync(owner, Now);

        var departed = Ok(await Groups.RemoveDeletedAsync(group, owner, EventsTo<GroupDeparture>(owner, admin)));

        var d = departed.Value;
        Assert.Equal((admin, GroupRole.Owner, GroupRole.Owner), (d.NewOwner!.UserId, d.NewOwner.Role, d.Former.Role));
        Assert.Equal((admin, 4, false), (d.Group.OwnerId, d.Group.MemberCount, d.Group.Dissolved));
        Assert.Equal(new[] { gone, early, admin, lateAdmin }.Order(), d.Members);
        Assert.Equal(d.Group, await Groups.GetAsync(group));
        Assert.Null(await Groups.GetMemberAsync(group, owner));
        Assert.Equal(2, departed.Events.Count);
        // No admin left: the longest-standing member not deleted.
        await Accounts.MarkDeletedAsync(admin, Now);
        Ok(await Groups.UpdateMemberAsync(group, lateAdmin, m => m with { Role = GroupRole.Member }, NoEvents<MemberRecord>()));
        Assert.Equal(early, Ok(await Groups.RemoveDeletedAsync(group, admin, NoEvents<GroupDeparture>())).Value.NewOwner!.UserId);
        Assert.Equal(early, (await Groups.GetAsync(group))!.OwnerId);
        Fails("not_member", await Groups.RemoveDeletedAsync(group, admin, NoEvents<GroupDeparture>()));
    }

    [Fact]
    public async Task RemoveDeleted_AnOwnerWithNobodyToTakeOver_DissolvesTheGroup_AndAMemberSimplyLeaves()
    {
        var (alone, owner) = await NewGroupAsync();
        var (other, otherOwner) = await NewGroupAsync();
        var gone = await JoinAtAsync(alone, Now.AddMinutes(1));
        Ok(await Groups.AddMemberAsync(other, owner, Now, 500, NoEvents<GroupMembership>()));
        await Accounts.MarkDeletedAsync(gone, Now);
        await Accounts.MarkDeletedAsync(owner, Now);

        var dissolved = Ok(await Groups.RemoveDeletedAsync(alone, owner, EventsTo<GroupDeparture>(owner)));
        var left = Ok(await Groups.RemoveDeletedAsync(other, owner, NoEvents<GroupDeparture>()));

        Assert.True(dissolved.Value.Group.Dissolved);
        Assert.Null(dissolved.Value.NewOwner);
        Assert.Equal(new[] { owner, gone }.Order(), dissolved.Value.Members);
        Assert.Empty(await Groups.ListMembersAsync(alone));
        Assert.Equal((otherOwner, 1, (MemberRecord?)null), (left.Value.Group.OwnerId, left.Value.Group.MemberCount, left.Value.NewOwner));
        Assert.Equal([otherOwner], left.Value.Members);
        Assert.Empty(await Groups.ListForUserAsync(owner));
        Fails("group_dissolved", await Groups.RemoveDeletedAsync(alone, gone, NoEvents<GroupDeparture>()));
    }

    [Fact]
    public async Task Dissolve_RemovesEveryMember_AndTheGroupAcceptsNothingMore()
    {
        var (group, owner) = await NewGroupAsync();
        var bob = await JoinAsync(group);
        var late = await NewUserAsync("late");

        var dissolved = Ok(await Groups.DissolveAsync(group, ids => ids.Select(id => new EventDraft(id, new GroupLeft(group, GroupLeaveReason.Dissolved)))));

        Assert.Equal(new[] { owner, bob }.Order(), dissolved.Value.Order());
        Assert.Equal(2, dissolved.Events.Count);
        Assert.True((await Groups.GetAsync(group))!.Dissolved);
        Assert.Empty(await Groups.ListMembersAsync(group));
        Fails("group_dissolved", await Groups.AddMemberAsync(group, late, Now, 500, NoEvents<GroupMembership>()));
        Fails("group_dissolved", await Groups.SendAsync(new NewGroupMessage(group, owner, "c-d", "还在吗", [], false, Now), NoEvents<GroupMessageRecord>()));
        Fails("group_dissolved", await Groups.DissolveAsync(group, NoEvents<IReadOnlyList<long>>()));
    }

    [Fact]
    public async Task JoinRequests_AreRefreshedListedAndRefused()
    {
        var (group, _) = await NewGroupAsync(GroupJoinPolicy.Approval);
        var eve = await NewUserAsync("eve");

        var first = await Groups.RequestJoinAsync(group, eve, "我是 Eve", Now, NoEvents<GroupJoinRequest>());
        var again = await Groups.RequestJoinAsync(group, eve, "再申请一次", Now.AddMinutes(1), NoEvents<GroupJoinRequest>());

        Assert.Equal(first.Value.Id, again.Value.Id);
        Assert.Equal(new GroupJoinRequest(first.Value.Id, group, eve, "再申请一次", Now), Assert.Single(await Groups.ListJoinRequestsAsync(group)));
        Assert.Equal(again.Value, await Groups.GetJoinRequestAsync(group, first.Value.Id));
        Ok(await Groups.RefuseJoinAsync(group, first.Value.Id, NoEvents<GroupJoinRequest>()));
        Assert.Empty(await Groups.ListJoinRequestsAsync(group));
        Fails("not_found", await Groups.RefuseJoinAsync(group, first.Value.Id, NoEvents<GroupJoinRequest>()));
    }

    [Fact]
    public async Task Invitations_AreRecorded_AndJoiningUsesThemUp()
    {
        var (group, owner) = await NewGroupAsync(GroupJoinPolicy.Invite);
        var frank = await NewUserAsync("frank");
        var record = (await Groups.GetAsync(group))!;

        Assert.False(await Groups.IsInvitedAsync(group, frank));
        await Groups.InviteAsync(record, frank, owner, Now, NoEvents<GroupRecord>());
        Assert.True(await Groups.IsInvitedAsync(group, frank));
        Ok(await Groups.AddMemberAsync(group, frank, Now, 500, NoEvents<GroupMembership>()));
        Assert.False(await Groups.IsInvitedAsync(group, frank));
    }

    [Fact]
    public async Task ListForUser_ReturnsEachGroupWithTheUsersMembership_InOneCall()
    {
        var (g1, _) = await NewGroupAsync();
        var (g2, owner2) = await NewGroupAsync();
        var user = await JoinAsync(g1);
        Ok(await Groups.AddMemberAsync(g2, user, Now, 500, NoEvents<GroupMembership>()));
        await SendAsync(g2, owner2, "新消息");

        var mine = await Groups.ListForUserAsync(user);

        Assert.Equal([g1, g2], mine.Select(m => m.Group.Id));
        Assert.All(mine, m => Assert.Equal(user, m.Member.UserId));
        Assert.Equal((1L, 0L), (mine[1].Group.LastSeq, mine[1].Member.ReadSeq));
    }

    [Fact]
    public async Task UpdateGroup_WritesTheCard_AndADissolvedGroupCannotBeChanged()
    {
        var (group, owner) = await NewGroupAsync();

        var updated = Ok(await Groups.UpdateGroupAsync(group, g => g with { Name = "新名字", Announcement = "周五聚餐\n7 点", MuteAll = true, JoinPolicy = GroupJoinPolicy.Invite },
            NoEvents<GroupRecord>()));

        Assert.Equal(("新名字", "周五聚餐\n7 点", true, GroupJoinPolicy.Invite), (updated.Value.Name, updated.Value.Announcement, updated.Value.MuteAll, updated.Value.JoinPolicy));
        await Groups.DissolveAsync(group, NoEvents<IReadOnlyList<long>>());
        Fails("group_dissolved", await Groups.UpdateGroupAsync(group, g => g with { Name = "复活" }, NoEvents<GroupRecord>()));
        Fails("not_found", await Groups.UpdateGroupAsync(group + 1_000_000, g => g, NoEvents<GroupRecord>()));
        Assert.Equal(owner, (await Groups.GetAsync(group))!.OwnerId);
    }

    [Fact]
    public async Task Send_ConcurrentFromSeveralMembers_SeqsAreGaplessAndEachRetryIsStoredOnce()
    {
        var (group, owner) = await NewGroupAsync();
        long[] senders = [owner, await JoinAsync(group), await JoinAsync(group), await JoinAsync(group)];

        // Every send twice at once with the same client id: a retry racing its original.
        var sends = senders.SelectMany(s => Enumerable.Range(0, 10).SelectMany(i => Enumerable.Repeat((Sender: s, ClientId: $"c-{s}-{i}"), 2)))
            .Select(x => Task.Run(async () => Ok(await Groups.SendAsync(new NewGroupMessage(group, x.Sender, x.ClientId, x.ClientId, [], false, Now), NoEvents<GroupMessageRecord>()))))
            .ToArray();
        var outcomes = await Task.WhenAll(sends);

        Assert.Equal(40, outcomes.Count(o => !o.Value.Duplicate));
        Assert.Equal(Enumerable.Range(1, 40).Select(i => (long)i), outcomes.Where(o => !o.Value.Duplicate).Select(o => o.Value.Message.Seq).Order());
        Assert.All(outcomes.GroupBy(o => o.Value.Message.ClientId), g => Assert.Single(g.Select(o => o.Value.Message.Id).Distinct()));
        Assert.Equal(40, (await Groups.GetAsync(group))!.LastSeq);
        Assert.Equal(40, (await Groups.HistoryAsync(group, 0, long.MaxValue, 100, oldestFirst: true)).Count);
    }
}
