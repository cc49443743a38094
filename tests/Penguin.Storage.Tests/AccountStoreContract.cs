using Penguin.Core.Accounts;
using Penguin.Core.Common;
using Penguin.Protocol;
using Penguin.Storage.Tests.Engines;

namespace Penguin.Storage.Tests;

/// <summary>What every <see cref="IAccountStore"/> must do; run once per engine by the subclasses at the end.</summary>
public abstract class AccountStoreContract(StorageEngine engine) : ContractBase(engine)
{
    [Fact]
    public async Task CreateUser_FreshDatabase_NumbersStartAt10001AndCountUp()
    {
        var accounts = (await Engine.OpenFreshAsync()).Accounts;

        long[] numbers = [await NewUserAsync(accounts, "a"), await NewUserAsync(accounts, "b"), await NewUserAsync(accounts, "c")];

        Assert.Equal([10001L, 10002L, 10003L], numbers);
    }

    [Fact]
    public async Task CreateUser_ManyUsers_NumbersAreNeverReused()
    {
        var numbers = new List<long>();
        for (var i = 0; i < 5; i++) numbers.Add(await NewUserAsync());

        Assert.All(numbers, n => Assert.True(n >= 10001));
        Assert.Equal(numbers.Order(), numbers);
        Assert.Equal(numbers.Count, numbers.Distinct().Count());
    }

    [Fact]
    public async Task CreateUser_Always_CreatesTheDefaultBuddyGroup()
    {
        var user = await NewUserAsync();

        var group = Assert.Single(await Social.GetGroupsAsync(user));
        Assert.Equal(DefaultGroupName, group.Name);
        Assert.True(group.IsDefault);
        Assert.Equal(0, group.Position);
    }

    [Fact]
    public async Task GetUser_NewUser_HasTheGivenProfileAndDefaultSettings()
    {
        var user = await Accounts.CreateUserAsync(new NewUser("小企鹅", "hash", "penguin-07", Now), DefaultGroupName);

        var record = await Accounts.GetUserAsync(user);

        Assert.Equal(new UserRecord(user, "小企鹅", "penguin-07", null, Gender.Unknown, null, null, new AccountSettings()), record);
        Assert.Equal("hash", await Accounts.GetPasswordHashAsync(user));
    }

    [Fact]
    public async Task SetPasswordHash_LiveAccount_Replaces_UnknownIsFalse()
    {
        var user = await NewUserAsync();

        Assert.True(await Accounts.SetPasswordHashAsync(user, "new-hash"));

        Assert.Equal("new-hash", await Accounts.GetPasswordHashAsync(user));
        Assert.False(await Accounts.SetPasswordHashAsync(999_999_999, "x"));
    }

    [Fact]
    public async Task SetDisabled_ShowsInStatus_AndCanBeUndone()
    {
        var user = await Accounts.CreateUserAsync(new NewUser("停用", "hash", "penguin-01", Now), DefaultGroupName);

        Assert.True(await Accounts.SetDisabledAsync(user, true));
        var disabled = await Accounts.GetAccountStatusAsync(user);
        Assert.True(await Accounts.SetDisabledAsync(user, false));

        Assert.Equal(new AccountStatus(user, "停用", Now, Disabled: true, DeletedAt: null), disabled);
        Assert.False((await Accounts.GetAccountStatusAsync(user))!.Disabled);
        Assert.Null(await Accounts.GetAccountStatusAsync(999_999_999));
    }

    [Fact]
    public async Task DeleteOtherSessions_KeepsTheGivenOne()
    {
        var user = await NewUserAsync();
        var keep = await Accounts.CreateSessionAsync(user, System.Security.Cryptography.RandomNumberGenerator.GetBytes(32), DeviceKind.Pc, null, Now);
        var other = await Accounts.CreateSessionAsync(user, System.Security.Cryptography.RandomNumberGenerator.GetBytes(32), DeviceKind.Mobile, null, Now);

        var ended = await Accounts.DeleteOtherSessionsAsync(user, keep.Id);

        Assert.Equal([other.Id], ended);
        Assert.Equal([keep.Id], (await Accounts.ListSessionsAsync(user)).Select(s => s.Id));
    }

    [Fact]
    public async Task ExistingSessions_AreThoseNotEnded_OfAnyUser()
    {
        var user = await NewUserAsync();
        var other = await NewUserAsync();
        var kept = await Accounts.CreateSessionAsync(user, System.Security.Cryptography.RandomNumberGenerator.GetBytes(32), DeviceKind.Pc, null, Now);
        var ended = await Accounts.CreateSessionAsync(user, System.Security.Cryptography.RandomNumberGenerator.GetBytes(32), DeviceKind.Mobile, null, Now);
        var others = await Accounts.CreateSessionAsync(other, System.Security.Cryptography.RandomNumberGenerator.GetBytes(32), DeviceKind.Web, null, Now);
        await Accounts.DeleteSessionAsync(user, ended.Id);

        var existing = await Accounts.ExistingSessionsAsync([kept.Id, ended.Id, others.Id, kept.Id, 999_999_999]);

        Assert.Equal([kept.Id, others.Id], existing.Order());
        Assert.Empty(await Accounts.ExistingSessionsAsync([]));
    }

    /// <summary>A profile change and a settings change at the same time: both hold (writing back whole records read before lost one).</summary>
    [Fact]
    public async Task UpdateUser_ConcurrentProfileAndSettingsChanges_AllHold()
    {
        var user = await NewUserAsync();
        var gate = new TaskCompletionSource();
        Func<UserRecord, Result<UserRecord>>[] changes =
        [
            u => u with { Nickname = "新昵称" },
            u => u with { Signature = "你好" },
            u => u with { Settings = u.Settings with { AllowStrangerMessages = true } },
            u => u with { Gender = Gender.Female },
        ];

        await Task.WhenAll(changes.Select(change => Task.Run(async () =>
        {
            await gate.Task;
            Ok(await Accounts.UpdateUserAsync(user, change, NoEvents<UserRecord>()));
        })).Concat([Task.Run(gate.SetResult)]));

        var after = (await Accounts.GetUserAsync(user))!;
        Assert.Equal(("新昵称", "你好", true, Gender.Female), (after.Nickname, after.Signature, after.Settings.AllowStrangerMessages, after.Gender));
    }

    [Fact]
    public async Task UpdateUser_DeletedAccount_IsNotFound_AndTheTombstoneStays()
    {
        var user = await NewUserAsync();
        await Accounts.MarkDeletedAsync(user, Now);

        Fails("not_found", await Accounts.UpdateUserAsync(user, u => u with { Nickname = "复活" }, NoEvents<UserRecord>()));
        Fails("not_found", await Accounts.UpdateUserAsync(user + 1_000_000, u => u, NoEvents<UserRecord>()));
        Fails("forbidden", await Accounts.UpdateUserAsync(await NewUserAsync(), _ => Errors.Forbidden, NoEvents<UserRecord>()));

        Assert.Null(await Accounts.GetUserAsync(user));
        Assert.Equal(IAccountStore.DeletedNickname, Assert.Single(await Accounts.GetUsersAsync([user])).Nickname);
    }

    [Fact]
    public async Task MarkDeleted_HidesTheAccount_KeepsATombstone_EndsSessions()
    {
        var user = await Accounts.CreateUserAsync(new NewUser("deleteme", "hash", "penguin-02", Now), DefaultGroupName);
        var token = System.Security.Cryptography.RandomNumberGenerator.GetBytes(32);
        var session = await Accounts.CreateSessionAsync(user, token, DeviceKind.Pc, null, Now);

        var ended = await Accounts.MarkDeletedAsync(user, Now);

        Assert.Equal([session.Id], ended);
        Assert.Null(await Accounts.GetUserAsync(user));
        Assert.Null(await Accounts.GetPasswordHashAsync(user));
        Assert.Empty(await Accounts.SearchByNicknameAsync("deleteme", 10));
        Assert.Null(await Accounts.FindSessionAsync(token));
        Assert.Equal(IAccountStore.DeletedNickname, Assert.Single(await Accounts.GetUsersAsync([user])).Nickname);
        var status = await Accounts.GetAccountStatusAsync(user);
        Assert.Equal(Now, status!.DeletedAt);
        Assert.False(await Accounts.SetPasswordHashAsync(user, "again"));
        Assert.NotEqual(user, await NewUserAsync());
    }

    [Fact]
    public async Task UnfinishedDeletions_AreTheDeletedAccountsThatStillHaveAFriendAGroupOrARequestToThem()
    {
        var (withFriend, withGroup, withRequest, finished, live) =
            (await NewUserAsync(), await NewUserAsync(), await NewUserAsync(), await NewUserAsync(), await NewUserAsync());
        Ok(await Social.AddFriendsAsync(withFriend, live, "", await DefaultGroupAsync(withFriend), Now, NoEvents<Penguin.Core.Social.Friendship>()));
        Ok(await Groups.CreateAsync(new Penguin.Core.Groups.NewGroup(withGroup, "群", "penguin-03", "", GroupJoinPolicy.Open, Now), NoEvents<Penguin.Core.Groups.GroupMembership>()));
        await Social.UpsertPendingRequestAsync(live, withRequest, "hi", await DefaultGroupAsync(live), Now, NoEvents<Penguin.Core.Social.FriendRequestRecord>());
        var withJoinRequest = await NewUserAsync();
        var club = (await Groups.CreateAsync(new Penguin.Core.Groups.NewGroup(live, "读书会", "penguin-03", "", GroupJoinPolicy.Approval, Now), NoEvents<Penguin.Core.Groups.GroupMembership>())).Value.Value.Group.Id;
        await Groups.RequestJoinAsync(club, withJoinRequest, "想加入", Now, NoEvents<GroupJoinRequest>());
        foreach (var user in new[] { withFriend, withGroup, withRequest, withJoinRequest, finished }) await Accounts.MarkDeletedAsync(user, Now);

        var unfinished = await Accounts.ListUnfinishedDeletionsAsync(0, 100_000);

        Assert.Contains(withFriend, unfinished);
        Assert.Contains(withGroup, unfinished);
        Assert.Contains(withRequest, unfinished);
        Assert.Contains(withJoinRequest, unfinished);
        Assert.Equal([club], (await Groups.ListJoinRequestsOfAsync(withJoinRequest)).Select(r => r.GroupId));
        Assert.DoesNotContain(finished, unfinished);
        Assert.DoesNotContain(live, unfinished); // friends with a deleted account, but not deleted
        Assert.Equal(unfinished.Order(), unfinished);
        Assert.True((await Accounts.ListUnfinishedDeletionsAsync(0, 1)).Count <= 1);
        var nextPage = await Accounts.ListUnfinishedDeletionsAsync(withFriend, 100_000); // a page starts after the number it is given
        Assert.DoesNotContain(withFriend, nextPage);
        Assert.Contains(withGroup, nextPage);
    }

    [Fact]
    public async Task GetUser_Unknown_ReturnsNull()
    {
        Assert.Null(await Accounts.GetUserAsync(999_999_999));
        Assert.Null(await Accounts.GetPasswordHashAsync(999_999_999));
    }

    [Fact]
    public async Task GetUsers_SomeKnownSomeNot_ReturnsTheKnownOnesOnce()
    {
        var a = await NewUserAsync("甲");
        var b = await NewUserAsync("乙");
        await NewUserAsync("丙");

        var users = await Accounts.GetUsersAsync([a, b, a, 999_999_999]);

        Assert.Equal([a, b], users.Select(u => u.Number).Order());
        Assert.Empty(await Accounts.GetUsersAsync([]));
    }

    [Fact]
    public async Task UpdateUser_EveryField_IsStoredAndEventsAreAppended()
    {
        var user = await NewUserAsync();
        var friend = await NewUserAsync();
        var updated = new UserRecord(user, "新昵称", "penguin-03", "签名 ✓", Gender.Female, new DateOnly(1999, 12, 31), new Region("广东", "深圳"),
            new AccountSettings(AddPolicy.Nobody, ShowSignature: false, ShowGender: false, ShowBirthday: true, ShowRegion: false));

        var committed = await Accounts.UpdateUserAsync(updated, EventsTo<UserRecord>(user, friend));

        Assert.Equal(updated, committed.Value);
        Assert.Equal(updated, await Accounts.GetUserAsync(user));
        Assert.Equal([(user, 1L), (friend, 1L)], committed.Events.Select(e => (e.UserId, e.Seq)));
    }

    [Fact]
    public async Task UpdateUser_RegionWithCityOnlyAndFieldsCleared_RoundTrips()
    {
        var user = await NewUserAsync();
        var first = new UserRecord(user, "x", "penguin-02", "sig", Gender.Male, new DateOnly(2000, 1, 1), new Region("浙江", "杭州"), new AccountSettings());
        await Accounts.UpdateUserAsync(first, NoEvents<UserRecord>());

        var second = first with { Signature = null, Birthday = null, Region = new Region(null, "杭州") };
        await Accounts.UpdateUserAsync(second, NoEvents<UserRecord>());

        Assert.Equal(second, await Accounts.GetUserAsync(user));
    }

    [Fact]
    public async Task SearchByNickname_ChinesePartialMatch_FindsTheUser()
    {
        var tag = Tag();
        var user = await NewUserAsync($"{tag}快乐的企鹅");
        await NewUserAsync($"{tag}悲伤的海豹");

        var found = await Accounts.SearchByNicknameAsync($"{tag}快乐的", 10);
        var middle = await Accounts.SearchByNicknameAsync("快乐的企", 100);

        Assert.Equal([user], found.Select(u => u.Number));
        Assert.Contains(user, middle.Select(u => u.Number));
    }

    [Fact]
    public async Task SearchByNickname_LatinLetters_IgnoresCase()
    {
        var tag = Tag();
        var user = await NewUserAsync($"{tag}Penguin");

        var found = await Accounts.SearchByNicknameAsync($"{tag}pENGUIN".ToUpperInvariant(), 10);

        Assert.Equal([user], found.Select(u => u.Number));
    }

    [Fact]
    public async Task SearchByNickname_LikeWildcards_AreMatchedLiterally()
    {
        var tag = Tag();
        var percent = await NewUserAsync($"{tag}100%");
        await NewUserAsync($"{tag}1000");
        var underscore = await NewUserAsync($"{tag}a_b");
        await NewUserAsync($"{tag}axb");
        var backslash = await NewUserAsync($"{tag}c\\d");
        await NewUserAsync($"{tag}cd");

        Assert.Equal([percent], (await Accounts.SearchByNicknameAsync($"{tag}100%", 10)).Select(u => u.Number));
        Assert.Equal([underscore], (await Accounts.SearchByNicknameAsync($"{tag}a_b", 10)).Select(u => u.Number));
        Assert.Equal([backslash], (await Accounts.SearchByNicknameAsync($"{tag}c\\d", 10)).Select(u => u.Number));
        Assert.Empty(await Accounts.SearchByNicknameAsync($"{tag}%", 10));
        Assert.Empty(await Accounts.SearchByNicknameAsync($"{tag}_", 10));
    }

    [Fact]
    public async Task SearchByNickname_MoreMatchesThanLimit_ReturnsLowestNumbersFirst()
    {
        var tag = Tag();
        var users = new List<long>();
        for (var i = 0; i < 4; i++) users.Add(await NewUserAsync($"{tag}-{i}"));

        var found = await Accounts.SearchByNicknameAsync(tag, 3);

        Assert.Equal(users.Take(3), found.Select(u => u.Number));
    }

    [Fact]
    public async Task CreateSession_ThenFindByHash_ReturnsTheSession()
    {
        var user = await NewUserAsync();
        var hash = Guid.NewGuid().ToByteArray();

        var session = await Accounts.CreateSessionAsync(user, hash, DeviceKind.Mobile, "小米 14", Now);

        Assert.Equal(new SessionRecord(session.Id, user, DeviceKind.Mobile, "小米 14", Now, Now), session);
        Assert.Equal(session, await Accounts.FindSessionAsync(hash));
        Assert.Null(await Accounts.FindSessionAsync(Guid.NewGuid().ToByteArray()));
    }

    [Fact]
    public async Task CreateSession_SubMillisecondTimeWithOffset_ReturnsWhatFindReturns()
    {
        var user = await NewUserAsync();
        var hash = Guid.NewGuid().ToByteArray();
        var odd = new DateTimeOffset(2026, 11, 22, 16, 30, 15, 123, TimeSpan.FromHours(8)).AddTicks(4567);

        var session = await Accounts.CreateSessionAsync(user, hash, DeviceKind.Web, null, odd);

        Assert.Equal(session, await Accounts.FindSessionAsync(hash));
        Assert.Equal(odd.AddTicks(-4567), session.CreatedAt);
    }

    [Fact]
    public async Task TouchSession_Later_UpdatesLastSeenOnly()
    {
        var user = await NewUserAsync();
        var hash = Guid.NewGuid().ToByteArray();
        var session = await Accounts.CreateSessionAsync(user, hash, DeviceKind.Pc, null, Now);

        await Accounts.TouchSessionAsync(session.Id, Now.AddMinutes(5));

        Assert.Equal(session with { LastSeenAt = Now.AddMinutes(5) }, await Accounts.FindSessionAsync(hash));
    }

    [Fact]
    public async Task ListSessions_SeveralDevices_ReturnsOnlyTheUsersInCreationOrder()
    {
        var user = await NewUserAsync();
        var other = await NewUserAsync();
        var pc = await Accounts.CreateSessionAsync(user, Guid.NewGuid().ToByteArray(), DeviceKind.Pc, "desk", Now);
        await Accounts.CreateSessionAsync(other, Guid.NewGuid().ToByteArray(), DeviceKind.Pc, null, Now);
        var phone = await Accounts.CreateSessionAsync(user, Guid.NewGuid().ToByteArray(), DeviceKind.Mobile, "phone", Now);

        Assert.Equal([pc, phone], await Accounts.ListSessionsAsync(user));
    }

    [Fact]
    public async Task DeleteSession_OwnSession_RemovesItOnce()
    {
        var user = await NewUserAsync();
        var hash = Guid.NewGuid().ToByteArray();
        var session = await Accounts.CreateSessionAsync(user, hash, DeviceKind.Pc, null, Now);

        Assert.True(await Accounts.DeleteSessionAsync(user, session.Id));
        Assert.False(await Accounts.DeleteSessionAsync(user, session.Id));
        Assert.Null(await Accounts.FindSessionAsync(hash));
    }

    [Fact]
    public async Task DeleteSession_AnotherUsersSession_ReturnsFalseAndKeepsIt()
    {
        var owner = await NewUserAsync();
        var intruder = await NewUserAsync();
        var hash = Guid.NewGuid().ToByteArray();
        var session = await Accounts.CreateSessionAsync(owner, hash, DeviceKind.Pc, null, Now);

        Assert.False(await Accounts.DeleteSessionAsync(intruder, session.Id));
        Assert.Equal(session, await Accounts.FindSessionAsync(hash));
    }

    [Fact]
    public async Task DeleteAllSessions_SeveralDevices_RemovesOnlyTheUsersAndReturnsTheirIds()
    {
        var user = await NewUserAsync();
        var other = await NewUserAsync();
        var a = await Accounts.CreateSessionAsync(user, Guid.NewGuid().ToByteArray(), DeviceKind.Pc, null, Now);
        var b = await Accounts.CreateSessionAsync(user, Guid.NewGuid().ToByteArray(), DeviceKind.Web, null, Now);
        var kept = await Accounts.CreateSessionAsync(other, Guid.NewGuid().ToByteArray(), DeviceKind.Pc, null, Now);

        var deleted = await Accounts.DeleteAllSessionsAsync(user);

        Assert.Equal([a.Id, b.Id], deleted.Order());
        Assert.Empty(await Accounts.ListSessionsAsync(user));
        Assert.Equal([kept], await Accounts.ListSessionsAsync(other));
        Assert.Empty(await Accounts.DeleteAllSessionsAsync(user));
    }
}
