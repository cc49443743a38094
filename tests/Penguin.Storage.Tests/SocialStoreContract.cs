using Penguin.Core.Social;
using Penguin.Protocol;
using Penguin.Storage.Tests.Engines;

namespace Penguin.Storage.Tests;

/// <summary>What every <see cref="ISocialStore"/> must do; run once per engine by the subclasses at the end.</summary>
public abstract class SocialStoreContract(StorageEngine engine) : ContractBase(engine)
{
    // Buddy groups

    [Fact]
    public async Task CreateGroup_Twice_AppendsAfterTheDefaultInOrder()
    {
        var user = await NewUserAsync();

        var committed = Ok(await Social.CreateGroupAsync(user, "同学", EventsTo<BuddyGroup[]>(user)));
        var second = Ok(await Social.CreateGroupAsync(user, "同事", NoEvents<BuddyGroup[]>()));

        Assert.Equal([DefaultGroupName, "同学"], committed.Value.Select(g => g.Name));
        Assert.Equal([DefaultGroupName, "同学", "同事"], second.Value.Select(g => g.Name));
        Assert.Equal([0, 1, 2], second.Value.Select(g => g.Position));
        Assert.Equal(second.Value, await Social.GetGroupsAsync(user));
        Assert.Equal(user, Assert.Single(committed.Events).UserId);
    }

    [Fact]
    public async Task RenameGroup_OwnGroup_ChangesTheName()
    {
        var user = await NewUserAsync();
        var group = await NewGroupAsync(user, "old");

        var groups = Ok(await Social.RenameGroupAsync(user, group, "新名字", NoEvents<BuddyGroup[]>())).Value;

        Assert.Equal("新名字", groups.Single(g => g.Id == group).Name);
        Assert.Equal(groups, await Social.GetGroupsAsync(user));
    }

    [Fact]
    public async Task RenameGroup_SomeoneElsesGroup_IsNotFoundAndUnchanged()
    {
        var owner = await NewUserAsync();
        var other = await NewUserAsync();
        var group = await NewGroupAsync(owner, "mine");

        Fails("not_found", await Social.RenameGroupAsync(other, group, "stolen", EventsTo<BuddyGroup[]>(other)));

        Assert.Equal("mine", (await Social.GetGroupsAsync(owner)).Single(g => g.Id == group).Name);
        Assert.Equal(0, await Events.HeadAsync(other));
    }

    [Fact]
    public async Task DeleteGroup_WithFriends_MovesThemToTheDefaultGroup()
    {
        var user = await NewUserAsync();
        var group = await NewGroupAsync(user, "同学");
        var friendA = await NewUserAsync();
        var friendB = await NewUserAsync();
        var stays = await NewUserAsync();
        foreach (var f in new[] { friendA, friendB, stays }) await Social.AddFriendsAsync(user, f, "hi", group, Now, NoEvents<Friendship>());
        await Social.UpdateFriendAsync(user, stays, await DefaultGroupAsync(user), null, NoEvents<FriendEntry>());
        await Social.UpdateFriendAsync(user, friendA, null, "老同学", NoEvents<FriendEntry>());

        var deletion = Ok(await Social.DeleteGroupAsync(user, group, EventsTo<GroupDeletion>(user))).Value;

        var defaultGroup = await DefaultGroupAsync(user);
        Assert.Equal(defaultGroup, deletion.DefaultGroupId);
        Assert.Equal([new FriendEntry(friendA, defaultGroup, "老同学"), new FriendEntry(friendB, defaultGroup, null)], deletion.MovedFriends);
        Assert.Equal(await Social.GetGroupsAsync(user), deletion.Groups);
        Assert.DoesNotContain(deletion.Groups, g => g.Id == group);
        Assert.All(await Social.GetFriendsAsync(user), f => Assert.Equal(defaultGroup, f.GroupId));
    }

    [Fact]
    public async Task DeleteGroup_DefaultGroup_FailsWithDefaultGroup()
    {
        var user = await NewUserAsync();

        Fails("default_group", await Social.DeleteGroupAsync(user, await DefaultGroupAsync(user), EventsTo<GroupDeletion>(user)));

        Assert.Single(await Social.GetGroupsAsync(user));
        Assert.Equal(0, await Events.HeadAsync(user));
    }

    [Fact]
    public async Task DeleteGroup_UnknownOrSomeoneElses_IsNotFound()
    {
        var owner = await NewUserAsync();
        var other = await NewUserAsync();
        var group = await NewGroupAsync(owner, "mine");

        Fails("not_found", await Social.DeleteGroupAsync(other, group, NoEvents<GroupDeletion>()));
        Fails("not_found", await Social.DeleteGroupAsync(other, 999_999_999, NoEvents<GroupDeletion>()));
        Assert.Contains(await Social.GetGroupsAsync(owner), g => g.Id == group);
    }

    [Fact]
    public async Task ReorderGroups_APermutation_SetsPositionsInThatOrder()
    {
        var user = await NewUserAsync();
        var a = await NewGroupAsync(user, "a");
        var b = await NewGroupAsync(user, "b");
        var defaultGroup = await DefaultGroupAsync(user);

        var groups = Ok(await Social.ReorderGroupsAsync(user, [b, defaultGroup, a], EventsTo<BuddyGroup[]>(user))).Value;

        var positions = groups.ToDictionary(g => g.Id, g => g.Position);
        Assert.True(positions[b] < positions[defaultGroup] && positions[defaultGroup] < positions[a]);
        Assert.Equal(groups, await Social.GetGroupsAsync(user));
    }

    [Fact]
    public async Task ReorderGroups_NotAPermutation_FailsAndChangesNothing()
    {
        var user = await NewUserAsync();
        var other = await NewUserAsync();
        var a = await NewGroupAsync(user, "a");
        var foreign = await NewGroupAsync(other, "theirs");
        var defaultGroup = await DefaultGroupAsync(user);
        var before = await Social.GetGroupsAsync(user);

        Fails("bad_request", await Social.ReorderGroupsAsync(user, [a], NoEvents<BuddyGroup[]>()));
        Fails("bad_request", await Social.ReorderGroupsAsync(user, [a, a], NoEvents<BuddyGroup[]>()));
        Fails("bad_request", await Social.ReorderGroupsAsync(user, [a, defaultGroup, foreign], NoEvents<BuddyGroup[]>()));
        Fails("bad_request", await Social.ReorderGroupsAsync(user, [a, foreign], NoEvents<BuddyGroup[]>()));

        Assert.Equal(before, await Social.GetGroupsAsync(user));
    }

    // Friend requests

    [Fact]
    public async Task UpsertPendingRequest_New_IsPendingForBothSides()
    {
        var from = await NewUserAsync();
        var to = await NewUserAsync();
        var group = await NewGroupAsync(from, "朋友");

        var committed = await Social.UpsertPendingRequestAsync(from, to, "我是小明", group, Now, EventsTo<FriendRequestRecord>(to));

        var request = committed.Value;
        Assert.Equal(new FriendRequestRecord(request.Id, from, to, "我是小明", group, FriendRequestState.Pending, Now), request);
        Assert.Equal(request, await Social.GetRequestAsync(request.Id));
        Assert.Equal(request, await Social.FindPendingRequestAsync(from, to));
        Assert.Null(await Social.FindPendingRequestAsync(to, from));
        Assert.Equal([request], await Social.ListPendingRequestsAsync(from));
        Assert.Equal([request], await Social.ListPendingRequestsAsync(to));
        Assert.Equal((to, 1L), (Assert.Single(committed.Events).UserId, committed.Events[0].Seq));
    }

    [Fact]
    public async Task UpsertPendingRequest_Again_RefreshesTheMessageOfTheSameRequest()
    {
        var from = await NewUserAsync();
        var to = await NewUserAsync();
        var first = (await Social.UpsertPendingRequestAsync(from, to, "first", await DefaultGroupAsync(from), Now, NoEvents<FriendRequestRecord>())).Value;
        var group = await NewGroupAsync(from, "later");

        var second = (await Social.UpsertPendingRequestAsync(from, to, "second", group, Now.AddMinutes(1), NoEvents<FriendRequestRecord>())).Value;

        Assert.Equal(first with { Message = "second", FromGroupId = group }, second);
        Assert.Equal([second], await Social.ListPendingRequestsAsync(to));
    }

    [Fact]
    public async Task ListPendingRequests_SentAndReceived_NewestFirst()
    {
        var user = await NewUserAsync();
        var a = await NewUserAsync();
        var b = await NewUserAsync();
        var sent = (await Social.UpsertPendingRequestAsync(user, a, "to a", await DefaultGroupAsync(user), Now, NoEvents<FriendRequestRecord>())).Value;
        var received = (await Social.UpsertPendingRequestAsync(b, user, "from b", await DefaultGroupAsync(b), Now, NoEvents<FriendRequestRecord>())).Value;

        Assert.Equal([received, sent], await Social.ListPendingRequestsAsync(user));
        Assert.Null(await Social.GetRequestAsync(999_999_999));
    }

    [Fact]
    public async Task AcceptRequest_Pending_MakesBothFriendsInTheirGroups()
    {
        var from = await NewUserAsync();
        var to = await NewUserAsync();
        var fromGroup = await NewGroupAsync(from, "from's");
        var toGroup = await NewGroupAsync(to, "to's");
        var request = (await Social.UpsertPendingRequestAsync(from, to, "hi", fromGroup, Now, NoEvents<FriendRequestRecord>())).Value;

        var committed = Ok(await Social.AcceptRequestAsync(request.Id, toGroup, Now.AddMinutes(1), EventsTo<Friendship>(from, to)));

        var friendship = committed.Value;
        Assert.Equal(request with { State = FriendRequestState.Accepted }, friendship.Request);
        Assert.Equal(new FriendEntry(to, fromGroup, null), friendship.FromSide);
        Assert.Equal(new FriendEntry(from, toGroup, null), friendship.ToSide);
        Assert.Equal([friendship.FromSide], await Social.GetFriendsAsync(from));
        Assert.Equal([friendship.ToSide], await Social.GetFriendsAsync(to));
        Assert.Equal([to], await Social.GetFriendIdsAsync(from));
        Assert.Equal(new Relation(true, false, false), await Social.GetRelationAsync(from, to));
        Assert.Equal(new Relation(true, false, false), await Social.GetRelationAsync(to, from));
        Assert.Equal(FriendRequestState.Accepted, (await Social.GetRequestAsync(request.Id))!.State);
        Assert.Empty(await Social.ListPendingRequestsAsync(to));
        Assert.Equal(2, committed.Events.Count);
    }

    [Fact]
    public async Task AcceptRequest_Twice_SecondIsRequestClosed()
    {
        var from = await NewUserAsync();
        var to = await NewUserAsync();
        var request = (await Social.UpsertPendingRequestAsync(from, to, "hi", await DefaultGroupAsync(from), Now, NoEvents<FriendRequestRecord>())).Value;
        Ok(await Social.AcceptRequestAsync(request.Id, await DefaultGroupAsync(to), Now, NoEvents<Friendship>()));

        Fails("request_closed", await Social.AcceptRequestAsync(request.Id, await DefaultGroupAsync(to), Now, EventsTo<Friendship>(to)));
        Fails("request_closed", await Social.AcceptRequestAsync(999_999_999, await DefaultGroupAsync(to), Now, NoEvents<Friendship>()));
        Assert.Equal(0, await Events.HeadAsync(to));
    }

    [Fact]
    public async Task AcceptRequest_SendersGroupDeletedMeanwhile_FallsBackToTheirDefaultGroup()
    {
        var from = await NewUserAsync();
        var to = await NewUserAsync();
        var doomed = await NewGroupAsync(from, "doomed");
        var request = (await Social.UpsertPendingRequestAsync(from, to, "hi", doomed, Now, NoEvents<FriendRequestRecord>())).Value;
        Ok(await Social.DeleteGroupAsync(from, doomed, NoEvents<GroupDeletion>()));

        var friendship = Ok(await Social.AcceptRequestAsync(request.Id, await DefaultGroupAsync(to), Now, NoEvents<Friendship>())).Value;

        Assert.Equal(await DefaultGroupAsync(from), friendship.FromSide.GroupId);
        Assert.Equal([friendship.FromSide], await Social.GetFriendsAsync(from));
    }

    [Fact]
    public async Task FriendLimit_AcceptingAndAddingSideBySide_StopsAtTheLimit()
    {
        var popular = await NewUserAsync();
        for (var i = 0; i < Limits.MaxFriends - 1; i++)
        {
            var friend = await NewUserAsync();
            Ok(await Social.AddFriendsAsync(friend, popular, "", await DefaultGroupAsync(friend), Now, NoEvents<Friendship>()));
        }
        var (first, second, third) = (await NewUserAsync(), await NewUserAsync(), await NewUserAsync());
        var requests = new List<FriendRequestRecord>();
        foreach (var from in new[] { first, second })
            requests.Add((await Social.UpsertPendingRequestAsync(from, popular, "hi", await DefaultGroupAsync(from), Now, NoEvents<FriendRequestRecord>())).Value);

        // One place left, three takers at once.
        var outcomes = await Task.WhenAll(
            Social.AcceptRequestAsync(requests[0].Id, await DefaultGroupAsync(popular), Now, NoEvents<Friendship>()).AsTask(),
            Social.AcceptRequestAsync(requests[1].Id, await DefaultGroupAsync(popular), Now, NoEvents<Friendship>()).AsTask(),
            Social.AddFriendsAsync(third, popular, "", await DefaultGroupAsync(third), Now, NoEvents<Friendship>()).AsTask());

        Assert.Single(outcomes, o => o.IsOk);
        Assert.All(outcomes.Where(o => !o.IsOk), o => Assert.Equal("limit_reached", o.Error!.Code));
        Assert.Equal(Limits.MaxFriends, (await Social.GetFriendIdsAsync(popular)).Length);
        // A refused acceptance wrote nothing: its request is still pending.
        var states = new List<FriendRequestState>();
        foreach (var r in requests) states.Add((await Social.GetRequestAsync(r.Id))!.State);
        Assert.Equal(outcomes[0].IsOk || outcomes[1].IsOk ? 1 : 2, states.Count(st => st == FriendRequestState.Pending));
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task AcceptRequest_AnAccountDeletedSinceTheRequest_IsNotFound_AndNoFriendshipIsCreated(bool senderDeleted)
    {
        var from = await NewUserAsync();
        var to = await NewUserAsync();
        var request = (await Social.UpsertPendingRequestAsync(from, to, "hi", await DefaultGroupAsync(from), Now, NoEvents<FriendRequestRecord>())).Value;
        await Accounts.MarkDeletedAsync(senderDeleted ? from : to, Now);
        var heads = (await Events.HeadAsync(from), await Events.HeadAsync(to));

        Fails("not_found", await Social.AcceptRequestAsync(request.Id, await DefaultGroupAsync(to), Now, EventsTo<Friendship>(from, to)));

        Assert.Equal(Relation.None, await Social.GetRelationAsync(from, to));
        Assert.Empty(await Social.GetFriendsAsync(from));
        Assert.Empty(await Social.GetFriendsAsync(to));
        Assert.Equal(request, await Social.GetRequestAsync(request.Id)); // nothing written
        Assert.Equal(heads, (await Events.HeadAsync(from), await Events.HeadAsync(to)));
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task AddFriends_WithADeletedAccount_IsNotFound_AndNothingIsCreated(bool senderDeleted)
    {
        var from = await NewUserAsync();
        var to = await NewUserAsync();
        var pending = (await Social.UpsertPendingRequestAsync(from, to, "first", await DefaultGroupAsync(from), Now, NoEvents<FriendRequestRecord>())).Value;
        await Accounts.MarkDeletedAsync(senderDeleted ? from : to, Now);

        Fails("not_found", await Social.AddFriendsAsync(from, to, "直接加", await DefaultGroupAsync(from), Now, EventsTo<Friendship>(from, to)));

        Assert.Equal(Relation.None, await Social.GetRelationAsync(from, to));
        Assert.Empty(await Social.GetFriendsAsync(to));
        Assert.Equal(pending, await Social.GetRequestAsync(pending.Id));
        Assert.Equal([pending], await Social.ListPendingRequestsAsync(to));
        Assert.Equal(0, await Events.HeadAsync(to));
    }

    [Fact]
    public async Task DeclineRequest_Pending_ClosesItOnce()
    {
        var from = await NewUserAsync();
        var to = await NewUserAsync();
        var request = (await Social.UpsertPendingRequestAsync(from, to, "hi", await DefaultGroupAsync(from), Now, NoEvents<FriendRequestRecord>())).Value;

        var declined = Ok(await Social.DeclineRequestAsync(request.Id, Now.AddMinutes(1), EventsTo<FriendRequestRecord>(from))).Value;

        Assert.Equal(request with { State = FriendRequestState.Declined }, declined);
        Assert.Equal(declined, await Social.GetRequestAsync(request.Id));
        Assert.Null(await Social.FindPendingRequestAsync(from, to));
        Assert.Empty(await Social.ListPendingRequestsAsync(to));
        Fails("request_closed", await Social.DeclineRequestAsync(request.Id, Now, NoEvents<FriendRequestRecord>()));
        Fails("request_closed", await Social.AcceptRequestAsync(request.Id, await DefaultGroupAsync(to), Now, NoEvents<Friendship>()));
        Assert.Equal(Relation.None, await Social.GetRelationAsync(from, to));
        Assert.Equal(1, await Events.HeadAsync(from));
    }

    [Fact]
    public async Task UpsertPendingRequest_AfterADecline_CreatesANewRequest()
    {
        var from = await NewUserAsync();
        var to = await NewUserAsync();
        var first = (await Social.UpsertPendingRequestAsync(from, to, "one", await DefaultGroupAsync(from), Now, NoEvents<FriendRequestRecord>())).Value;
        Ok(await Social.DeclineRequestAsync(first.Id, Now, NoEvents<FriendRequestRecord>()));

        var second = (await Social.UpsertPendingRequestAsync(from, to, "two", await DefaultGroupAsync(from), Now, NoEvents<FriendRequestRecord>())).Value;

        Assert.NotEqual(first.Id, second.Id);
        Assert.Equal(FriendRequestState.Pending, second.State);
        Assert.Equal(FriendRequestState.Declined, (await Social.GetRequestAsync(first.Id))!.State);
    }

    [Fact]
    public async Task AddFriends_Directly_BefriendsAndRecordsAnAcceptedRequest()
    {
        var from = await NewUserAsync();
        var to = await NewUserAsync();
        var fromGroup = await NewGroupAsync(from, "加的");

        var committed = Ok(await Social.AddFriendsAsync(from, to, "直接加", fromGroup, Now, EventsTo<Friendship>(from, to, to)));

        var friendship = committed.Value;
        Assert.Equal(new FriendRequestRecord(friendship.Request.Id, from, to, "直接加", fromGroup, FriendRequestState.Accepted, Now), friendship.Request);
        Assert.Equal(friendship.Request, await Social.GetRequestAsync(friendship.Request.Id));
        Assert.Equal([new FriendEntry(to, fromGroup, null)], await Social.GetFriendsAsync(from));
        Assert.Equal([new FriendEntry(from, await DefaultGroupAsync(to), null)], await Social.GetFriendsAsync(to));
        Assert.Equal([(from, 1L), (to, 1L), (to, 2L)], committed.Events.Select(e => (e.UserId, e.Seq)));
    }

    [Fact]
    public async Task AddFriends_SenderHasAPendingRequest_AcceptsThatRequestInstead()
    {
        // The receiver switched to "anyone may add me" while the sender's request was pending.
        var from = await NewUserAsync();
        var to = await NewUserAsync();
        var pending = (await Social.UpsertPendingRequestAsync(from, to, "first", await DefaultGroupAsync(from), Now, NoEvents<FriendRequestRecord>())).Value;

        var friendship = Ok(await Social.AddFriendsAsync(from, to, "again", await DefaultGroupAsync(from), Now.AddMinutes(1), NoEvents<Friendship>())).Value;

        Assert.Equal(pending with { Message = "again", State = FriendRequestState.Accepted }, friendship.Request);
        Assert.Empty(await Social.ListPendingRequestsAsync(from));
        Assert.Empty(await Social.ListPendingRequestsAsync(to));
        Assert.Equal([to], await Social.GetFriendIdsAsync(from));
    }

    // Friends

    [Fact]
    public async Task UpdateFriend_MoveAndRemark_UpdatesOnlyThisSide()
    {
        var user = await NewUserAsync();
        var friend = await NewUserAsync();
        await Social.AddFriendsAsync(user, friend, "hi", await DefaultGroupAsync(user), Now, NoEvents<Friendship>());
        var group = await NewGroupAsync(user, "家人");

        var entry = Ok(await Social.UpdateFriendAsync(user, friend, group, "老弟", EventsTo<FriendEntry>(user))).Value;

        Assert.Equal(new FriendEntry(friend, group, "老弟"), entry);
        Assert.Equal([entry], await Social.GetFriendsAsync(user));
        Assert.Null(Assert.Single(await Social.GetFriendsAsync(friend)).Remark);
    }

    [Fact]
    public async Task UpdateFriend_NullKeepsAndEmptyClears()
    {
        var user = await NewUserAsync();
        var friend = await NewUserAsync();
        await Social.AddFriendsAsync(user, friend, "hi", await DefaultGroupAsync(user), Now, NoEvents<Friendship>());
        var group = await NewGroupAsync(user, "g");
        Ok(await Social.UpdateFriendAsync(user, friend, group, "remark", NoEvents<FriendEntry>()));

        var kept = Ok(await Social.UpdateFriendAsync(user, friend, null, null, NoEvents<FriendEntry>())).Value;
        var cleared = Ok(await Social.UpdateFriendAsync(user, friend, null, "", NoEvents<FriendEntry>())).Value;

        Assert.Equal(new FriendEntry(friend, group, "remark"), kept);
        Assert.Equal(new FriendEntry(friend, group, null), cleared);
        Assert.Equal([cleared], await Social.GetFriendsAsync(user));
    }

    [Fact]
    public async Task UpdateFriend_NotFriends_FailsWithNotFriends()
    {
        var user = await NewUserAsync();
        var stranger = await NewUserAsync();

        Fails("not_friends", await Social.UpdateFriendAsync(user, stranger, null, "x", EventsTo<FriendEntry>(user)));
        Assert.Equal(0, await Events.HeadAsync(user));
    }

    [Fact]
    public async Task UpdateFriend_SomeoneElsesGroup_IsNotFoundAndUnchanged()
    {
        var user = await NewUserAsync();
        var friend = await NewUserAsync();
        await Social.AddFriendsAsync(user, friend, "hi", await DefaultGroupAsync(user), Now, NoEvents<Friendship>());
        var before = await Social.GetFriendsAsync(user);

        Fails("not_found", await Social.UpdateFriendAsync(user, friend, await DefaultGroupAsync(friend), "x", NoEvents<FriendEntry>()));
        Fails("not_found", await Social.UpdateFriendAsync(user, friend, 999_999_999, null, NoEvents<FriendEntry>()));
        Assert.Equal(before, await Social.GetFriendsAsync(user));
    }

    [Fact]
    public async Task RemoveFriend_Friends_EndsBothSides()
    {
        var user = await NewUserAsync();
        var friend = await NewUserAsync();
        await Social.AddFriendsAsync(user, friend, "hi", await DefaultGroupAsync(user), Now, NoEvents<Friendship>());

        var committed = Ok(await Social.RemoveFriendAsync(friend, user, EventsTo<bool>(user, friend)));

        Assert.Equal(2, committed.Events.Count);
        Assert.Empty(await Social.GetFriendsAsync(user));
        Assert.Empty(await Social.GetFriendIdsAsync(friend));
        Assert.Equal(Relation.None, await Social.GetRelationAsync(user, friend));
        Fails("not_friends", await Social.RemoveFriendAsync(user, friend, NoEvents<bool>()));
    }

    // Blocks

    [Fact]
    public async Task Block_Friend_EndsTheFriendshipAndRecordsTheBlock()
    {
        var user = await NewUserAsync();
        var other = await NewUserAsync();
        await Social.AddFriendsAsync(user, other, "hi", await DefaultGroupAsync(user), Now, NoEvents<Friendship>());

        var change = (await Social.BlockAsync(user, other, Now, EventsTo<BlockChange>(user, other))).Value;

        Assert.Equal([other], change.Blocked);
        Assert.True(change.WereFriends);
        Assert.Empty(change.ClosedRequests);
        Assert.Empty(await Social.GetFriendsAsync(user));
        Assert.Empty(await Social.GetFriendsAsync(other));
        Assert.Equal([other], await Social.GetBlockedAsync(user));
        Assert.Empty(await Social.GetBlockedAsync(other));
        Assert.Equal(new Relation(false, true, false), await Social.GetRelationAsync(user, other));
        Assert.Equal(new Relation(false, false, true), await Social.GetRelationAsync(other, user));
    }

    [Fact]
    public async Task Block_PendingRequestsBothWays_DeclinesThem()
    {
        var user = await NewUserAsync();
        var other = await NewUserAsync();
        var third = await NewUserAsync();
        var sent = (await Social.UpsertPendingRequestAsync(user, other, "a", await DefaultGroupAsync(user), Now, NoEvents<FriendRequestRecord>())).Value;
        var received = (await Social.UpsertPendingRequestAsync(other, user, "b", await DefaultGroupAsync(other), Now, NoEvents<FriendRequestRecord>())).Value;
        var unrelated = (await Social.UpsertPendingRequestAsync(third, user, "c", await DefaultGroupAsync(third), Now, NoEvents<FriendRequestRecord>())).Value;

        var change = (await Social.BlockAsync(user, other, Now.AddMinutes(1), NoEvents<BlockChange>())).Value;

        Assert.False(change.WereFriends);
        Assert.Equal(
            [sent with { State = FriendRequestState.Declined }, received with { State = FriendRequestState.Declined }],
            change.ClosedRequests.OrderBy(r => r.Id));
        Assert.Equal([unrelated], await Social.ListPendingRequestsAsync(user));
        Assert.Empty(await Social.ListPendingRequestsAsync(other));
    }

    [Fact]
    public async Task Block_Twice_IsIdempotent()
    {
        var user = await NewUserAsync();
        var a = await NewUserAsync();
        var b = await NewUserAsync();
        await Social.BlockAsync(user, b, Now, NoEvents<BlockChange>());
        await Social.BlockAsync(user, a, Now, NoEvents<BlockChange>());

        var change = (await Social.BlockAsync(user, a, Now, NoEvents<BlockChange>())).Value;

        Assert.Equal([a, b], change.Blocked);
        Assert.False(change.WereFriends);
    }

    [Fact]
    public async Task Unblock_Blocked_RemovesOnlyThatBlock()
    {
        var user = await NewUserAsync();
        var a = await NewUserAsync();
        var b = await NewUserAsync();
        await Social.BlockAsync(user, a, Now, NoEvents<BlockChange>());
        await Social.BlockAsync(user, b, Now, NoEvents<BlockChange>());

        var committed = await Social.UnblockAsync(user, a, EventsTo<long[]>(user));

        Assert.Equal([b], committed.Value);
        Assert.Equal([b], await Social.GetBlockedAsync(user));
        Assert.Equal(Relation.None, await Social.GetRelationAsync(user, a));
        Assert.Single(committed.Events);
        Assert.Equal([b], (await Social.UnblockAsync(user, a, NoEvents<long[]>())).Value);
    }
}
