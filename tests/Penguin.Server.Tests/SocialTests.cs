using Penguin.Client;
using Penguin.Protocol;

namespace Penguin.Server.Tests;

public sealed class SocialTests(ServerFixture fixture) : IClassFixture<ServerFixture>
{
    private TestServer Server => fixture.Server;

    [Fact]
    public async Task FriendRequest_Accepted_BothSeeEachOtherInTheChosenGroups()
    {
        await using var alice = await Server.RegisterAsync("alice");
        await using var bob = await Server.RegisterAsync("bob");
        var aliceLive = await alice.ConnectAsync();
        var bobLive = await bob.ConnectAsync();
        var classmates = (await alice.Rest.CreateGroupAsync("同学")).Single(g => g.Name == "同学");
        var colleagues = (await bob.Rest.CreateGroupAsync("同事")).Single(g => g.Name == "同事");

        var sent = await alice.Rest.SendFriendRequestAsync(bob.Number, "我是爱丽丝", classmates.Id);
        Assert.Equal(FriendRequestState.Pending, sent.State);
        var received = await bobLive.WaitForAsync<FriendRequested>();
        Assert.Equal("我是爱丽丝", received.Request.Message);
        Assert.Equal(alice.Number, received.Request.From.Number);
        Assert.Single((await bob.Rest.GetFriendRequestsAsync()).Incoming, r => r.Id == sent.Request.Id);

        await bob.Rest.AcceptFriendRequestAsync(sent.Request.Id, colleagues.Id);

        var aliceGotBob = await aliceLive.WaitForAsync<FriendAdded>();
        var bobGotAlice = await bobLive.WaitForAsync<FriendAdded>();
        Assert.Equal((bob.Number, classmates.Id), (aliceGotBob.Profile.Number, aliceGotBob.GroupId));
        Assert.Equal((alice.Number, colleagues.Id), (bobGotAlice.Profile.Number, bobGotAlice.GroupId));
        var aliceList = await alice.Rest.GetFriendsAsync();
        var bobInAliceList = Assert.Single(aliceList.Friends);
        Assert.Equal(classmates.Id, bobInAliceList.GroupId);
        Assert.Equal(PresenceStatus.Online, bobInAliceList.Presence.Status);
        Assert.Equal(colleagues.Id, Assert.Single((await bob.Rest.GetFriendsAsync()).Friends).GroupId);
        // Each learns the other's presence at once.
        Assert.Equal(PresenceStatus.Online, (await aliceLive.WaitForAsync<PresenceChanged>(p => p.Presence.Number == bob.Number)).Presence.Status);
    }

    [Fact]
    public async Task AcceptRequest_NotAddressedToYou_IsNotFoundAndChangesNothing()
    {
        await using var alice = await Server.RegisterAsync("alice");
        await using var bob = await Server.RegisterAsync("bob");
        await using var carol = await Server.RegisterAsync("carol");
        var sent = await alice.Rest.SendFriendRequestAsync(bob.Number, "hi");

        var byCarol = await Assert.ThrowsAsync<PenguinException>(() => carol.Rest.AcceptFriendRequestAsync(sent.Request.Id));
        var bySender = await Assert.ThrowsAsync<PenguinException>(() => alice.Rest.AcceptFriendRequestAsync(sent.Request.Id));
        var declineByCarol = await Assert.ThrowsAsync<PenguinException>(() => carol.Rest.DeclineFriendRequestAsync(sent.Request.Id));

        Assert.All([byCarol, bySender, declineByCarol], e => Assert.Equal("not_found", e.Error.Code));
        Assert.Empty((await carol.Rest.GetFriendsAsync()).Friends);
        Assert.Empty((await alice.Rest.GetFriendsAsync()).Friends);
        Assert.Single((await bob.Rest.GetFriendRequestsAsync()).Incoming);
    }

    [Fact]
    public async Task DeclineRequest_TellsTheSenderAndClosesIt()
    {
        await using var alice = await Server.RegisterAsync("alice");
        await using var bob = await Server.RegisterAsync("bob");
        var aliceLive = await alice.ConnectAsync();
        var sent = await alice.Rest.SendFriendRequestAsync(bob.Number, "hi");

        await bob.Rest.DeclineFriendRequestAsync(sent.Request.Id);

        var declined = await aliceLive.WaitForAsync<FriendRequestDeclined>();
        Assert.Equal((sent.Request.Id, bob.Number), (declined.RequestId, declined.By));
        var again = await Assert.ThrowsAsync<PenguinException>(() => bob.Rest.AcceptFriendRequestAsync(sent.Request.Id));
        Assert.Equal("request_closed", again.Error.Code);
        Assert.Empty((await alice.Rest.GetFriendRequestsAsync()).Outgoing);
    }

    [Fact]
    public async Task AddPolicy_Anyone_MakesFriendsAtOnce_Nobody_Refuses()
    {
        await using var alice = await Server.RegisterAsync("alice");
        await using var open = await Server.RegisterAsync("open");
        await using var closed = await Server.RegisterAsync("closed");
        await open.Rest.UpdateSettingsAsync(new AccountSettings(AddPolicy.Anyone));
        await closed.Rest.UpdateSettingsAsync(new AccountSettings(AddPolicy.Nobody));

        var toOpen = await alice.Rest.SendFriendRequestAsync(open.Number);
        var toClosed = await Assert.ThrowsAsync<PenguinException>(() => alice.Rest.SendFriendRequestAsync(closed.Number));

        Assert.Equal(FriendRequestState.Accepted, toOpen.State);
        Assert.Equal([open.Number], (await alice.Rest.GetFriendsAsync()).Friends.Select(f => f.Profile.Number));
        Assert.Equal("not_accepting", toClosed.Error.Code);
        Assert.Empty((await closed.Rest.GetFriendRequestsAsync()).Incoming);
    }

    [Fact]
    public async Task FriendRequest_BothAskEachOther_BecomeFriends()
    {
        await using var alice = await Server.RegisterAsync("alice");
        await using var bob = await Server.RegisterAsync("bob");
        await alice.Rest.SendFriendRequestAsync(bob.Number, "hi bob");

        var outcome = await bob.Rest.SendFriendRequestAsync(alice.Number, "hi alice");

        Assert.Equal(FriendRequestState.Accepted, outcome.State);
        Assert.Single((await alice.Rest.GetFriendsAsync()).Friends);
        Assert.Empty((await bob.Rest.GetFriendRequestsAsync()).Incoming);
    }

    [Fact]
    public async Task FriendRequest_Repeated_RefreshesTheSamePendingRequest()
    {
        await using var alice = await Server.RegisterAsync("alice");
        await using var bob = await Server.RegisterAsync("bob");

        var first = await alice.Rest.SendFriendRequestAsync(bob.Number, "first");
        var second = await alice.Rest.SendFriendRequestAsync(bob.Number, "second");

        Assert.Equal(first.Request.Id, second.Request.Id);
        Assert.Equal("second", Assert.Single((await bob.Rest.GetFriendRequestsAsync()).Incoming).Message);
    }

    [Fact]
    public async Task FriendRequest_ToYourselfOrAFriendOrNobody_IsRefused()
    {
        await using var alice = await Server.RegisterAsync("alice");
        await using var bob = await Server.RegisterAsync("bob");
        await alice.BefriendAsync(bob);

        Assert.Equal("bad_request", (await Assert.ThrowsAsync<PenguinException>(() => alice.Rest.SendFriendRequestAsync(alice.Number))).Error.Code);
        Assert.Equal("already_friends", (await Assert.ThrowsAsync<PenguinException>(() => alice.Rest.SendFriendRequestAsync(bob.Number))).Error.Code);
        Assert.Equal("not_found", (await Assert.ThrowsAsync<PenguinException>(() => alice.Rest.SendFriendRequestAsync(987_654_321))).Error.Code);
    }

    [Fact]
    public async Task BuddyGroups_CreateRenameReorderDelete_FriendsFallBackToMyFriends()
    {
        await using var alice = await Server.RegisterAsync("alice");
        await using var bob = await Server.RegisterAsync("bob");
        var (_, phone) = await alice.AddDeviceAsync(DeviceKind.Mobile);
        await alice.BefriendAsync(bob);
        var groups = await alice.Rest.CreateGroupAsync("Family");
        groups = await alice.Rest.CreateGroupAsync("Work");
        var defaultGroup = groups.Single(g => g.IsDefault);
        Assert.Equal("我的好友", defaultGroup.Name);
        var family = groups.Single(g => g.Name == "Family");
        var work = groups.Single(g => g.Name == "Work");

        await alice.Rest.UpdateFriendAsync(bob.Number, groupId: work.Id, remark: "老鲍");
        groups = await alice.Rest.RenameGroupAsync(work.Id, "工作");
        groups = await alice.Rest.ReorderGroupsAsync([defaultGroup.Id, work.Id, family.Id]);
        Assert.Equal(["我的好友", "工作", "Family"], groups.Select(g => g.Name));
        var bobEntry = Assert.Single((await alice.Rest.GetFriendsAsync()).Friends);
        Assert.Equal((work.Id, "老鲍"), (bobEntry.GroupId, bobEntry.Remark));

        groups = await alice.Rest.DeleteGroupAsync(work.Id);

        Assert.Equal(["我的好友", "Family"], groups.Select(g => g.Name));
        bobEntry = Assert.Single((await alice.Rest.GetFriendsAsync()).Friends);
        Assert.Equal((defaultGroup.Id, "老鲍"), (bobEntry.GroupId, bobEntry.Remark));
        // The other device followed every change.
        var moved = await phone.WaitForAsync<FriendUpdated>(u => u.GroupId == defaultGroup.Id);
        Assert.Equal((bob.Number, "老鲍"), (moved.Number, moved.Remark));
        await phone.WaitForAsync<BuddyGroupsChanged>(c => c.Groups.Length == 2);
    }

    [Fact]
    public async Task BuddyGroups_InvalidChanges_AreRefused()
    {
        await using var alice = await Server.RegisterAsync("alice");
        await using var bob = await Server.RegisterAsync("bob");
        await alice.BefriendAsync(bob);
        var groups = await alice.Rest.CreateGroupAsync("Mine");
        var defaultGroup = groups.Single(g => g.IsDefault);
        var bobsGroup = (await bob.Rest.GetGroupsAsync()).Single();

        Assert.Equal("default_group", (await Assert.ThrowsAsync<PenguinException>(() => alice.Rest.DeleteGroupAsync(defaultGroup.Id))).Error.Code);
        Assert.Equal("not_found", (await Assert.ThrowsAsync<PenguinException>(() => alice.Rest.DeleteGroupAsync(bobsGroup.Id))).Error.Code);
        Assert.Equal("not_found", (await Assert.ThrowsAsync<PenguinException>(() => alice.Rest.RenameGroupAsync(bobsGroup.Id, "hijack"))).Error.Code);
        Assert.Equal("not_found", (await Assert.ThrowsAsync<PenguinException>(() => alice.Rest.UpdateFriendAsync(bob.Number, groupId: bobsGroup.Id))).Error.Code);
        Assert.Equal("bad_request", (await Assert.ThrowsAsync<PenguinException>(() => alice.Rest.ReorderGroupsAsync([defaultGroup.Id]))).Error.Code);
        Assert.Equal("invalid_field", (await Assert.ThrowsAsync<PenguinException>(() => alice.Rest.CreateGroupAsync(""))).Error.Code);
        Assert.Equal("invalid_field", (await Assert.ThrowsAsync<PenguinException>(() => alice.Rest.UpdateFriendAsync(bob.Number, remark: new string('x', 50)))).Error.Code);
        Assert.Equal("我的好友", (await bob.Rest.GetGroupsAsync()).Single().Name);
    }

    [Fact]
    public async Task RemoveFriend_EndsTheFriendshipOnBothSides()
    {
        await using var alice = await Server.RegisterAsync("alice");
        await using var bob = await Server.RegisterAsync("bob");
        await alice.BefriendAsync(bob);
        var bobLive = await bob.ConnectAsync();

        await alice.Rest.RemoveFriendAsync(bob.Number);

        Assert.Equal(alice.Number, (await bobLive.WaitForAsync<FriendRemoved>()).Number);
        Assert.Empty((await alice.Rest.GetFriendsAsync()).Friends);
        Assert.Empty((await bob.Rest.GetFriendsAsync()).Friends);
        Assert.Equal("not_friends", (await Assert.ThrowsAsync<PenguinException>(() => alice.Rest.RemoveFriendAsync(bob.Number))).Error.Code);
    }

    [Fact]
    public async Task Profile_StrangersSeeOnlyWhatTheOwnerShows_FriendsSeeAll()
    {
        await using var alice = await Server.RegisterAsync("alice");
        await using var friend = await Server.RegisterAsync("friend");
        await using var stranger = await Server.RegisterAsync("stranger");
        await alice.Rest.UpdateProfileAsync(new UpdateProfileRequest(
            Signature: "secret motto", Gender: Gender.Female, Birthday: new DateOnly(2000, 1, 1), Region: new Region("北京", "海淀")));
        await alice.Rest.UpdateSettingsAsync(new AccountSettings(AddPolicy.Verify, ShowSignature: false, ShowGender: true, ShowBirthday: false, ShowRegion: false));
        await alice.BefriendAsync(friend);

        var seenByStranger = await stranger.Rest.GetUserAsync(alice.Number);
        var seenByFriend = await friend.Rest.GetUserAsync(alice.Number);
        var found = Assert.Single(await stranger.Rest.SearchAsync(alice.Number.ToString(System.Globalization.CultureInfo.InvariantCulture)));

        Assert.Equal((alice.Number, "alice", Gender.Female), (seenByStranger.Number, seenByStranger.Nickname, seenByStranger.Gender));
        Assert.Null(seenByStranger.Signature);
        Assert.Null(seenByStranger.Birthday);
        Assert.Null(seenByStranger.Region);
        Assert.Equal(seenByStranger, found);
        Assert.Equal("secret motto", seenByFriend.Signature);
        Assert.Equal(new DateOnly(2000, 1, 1), seenByFriend.Birthday);
        Assert.Equal(new Region("北京", "海淀"), seenByFriend.Region);
    }

    [Fact]
    public async Task Search_ByChineseNicknamePart_FindsUsers()
    {
        var tag = Guid.NewGuid().ToString("N")[..6];
        await using var searcher = await Server.RegisterAsync("searcher");
        await using var one = await Server.RegisterAsync($"快乐企鹅{tag}");
        await using var two = await Server.RegisterAsync($"企鹅{tag}大王");
        await using var other = await Server.RegisterAsync("熊猫");

        var found = await searcher.Rest.SearchAsync($"企鹅{tag}");

        Assert.Equal([one.Number, two.Number], found.Select(p => p.Number).Order());
        Assert.Empty(await searcher.Rest.SearchAsync($"%{tag}"));
        Assert.Equal("invalid_field", (await Assert.ThrowsAsync<PenguinException>(() => searcher.Rest.SearchAsync("  "))).Error.Code);
    }

    [Fact]
    public async Task Block_StopsRequestsAndEndsFriendship_WithoutRevealingItself()
    {
        var tag = Guid.NewGuid().ToString("N")[..8];
        await using var alice = await Server.RegisterAsync($"alice{tag}");
        await using var bob = await Server.RegisterAsync("bob");
        await alice.BefriendAsync(bob);
        var bobLive = await bob.ConnectAsync();

        Assert.Equal([bob.Number], await alice.Rest.BlockAsync(bob.Number));

        Assert.Equal(alice.Number, (await bobLive.WaitForAsync<FriendRemoved>()).Number);
        var refused = await Assert.ThrowsAsync<PenguinException>(() => bob.Rest.SendFriendRequestAsync(alice.Number));
        Assert.Equal("not_accepting", refused.Error.Code); // the same answer as "nobody": a block is never revealed
        // Bob still finds alice, exactly as a stranger would: nothing tells him he is blocked.
        Assert.Equal(await bob.Rest.GetUserAsync(alice.Number), Assert.Single(await bob.Rest.SearchAsync($"alice{tag}")));
        Assert.Empty((await alice.Rest.GetFriendRequestsAsync()).Incoming);
        Assert.Equal([bob.Number], await alice.Rest.GetBlockedAsync());

        Assert.Empty(await alice.Rest.UnblockAsync(bob.Number));
        Assert.Equal(FriendRequestState.Pending, (await bob.Rest.SendFriendRequestAsync(alice.Number)).State);
    }
}
