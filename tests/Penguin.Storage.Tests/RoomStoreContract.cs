using Penguin.Core.Rooms;
using Penguin.Storage.Tests.Engines;

namespace Penguin.Storage.Tests;

/// <summary>Chat rooms' store: rooms by topic, appointed moderators, bans, and only the last messages kept.</summary>
public abstract class RoomStoreContract(StorageEngine engine) : ContractBase(engine)
{
    private IRoomStore Rooms => Engine.Stores.Rooms;

    private async Task<RoomRecord> CreateAsync(string name, string topic, long creator, DateTimeOffset at) =>
        (await Rooms.CreateAsync(name, topic, creator, at, maxCreated: 100)).Value;

    [Fact]
    public async Task Create_IsReadBack_AndListedUnderItsTopicOnly()
    {
        var creator = await NewUserAsync("房主");
        var topic = Tag();
        var room = await CreateAsync("周末爬山", topic, creator, Now);
        var other = await CreateAsync("别的话题", Tag(), creator, Now);

        Assert.Equal(new RoomRecord(room.Id, "周末爬山", topic, creator, Now), await Rooms.GetAsync(room.Id));
        Assert.Equal([room], await Rooms.ListAsync(topic, 10));
        Assert.Contains(other, await Rooms.ListAsync(null, 1000));
        Assert.Null(await Rooms.GetAsync(room.Id + 100_000));
        Assert.True(room.Id > 300000);
    }

    [Fact]
    public async Task Create_SideBySide_StopsAtTheCreatorsLimit()
    {
        var creator = await NewUserAsync("房主");
        var other = await NewUserAsync("别人");

        var attempts = await Task.WhenAll(Enumerable.Range(0, 12).Select(i => Rooms.CreateAsync($"房间{i}", Tag(), creator, Now, maxCreated: 5).AsTask()));
        var beyond = await Rooms.CreateAsync("再一个", Tag(), creator, Now, maxCreated: 5);

        Assert.Equal(5, attempts.Count(a => a.IsOk));
        Assert.All(attempts.Where(a => !a.IsOk), a => Assert.Equal("limit_reached", a.Error!.Code));
        Assert.Equal("limit_reached", beyond.Error!.Code);
        Assert.Equal(5, (await Rooms.ListAsync(null, 100_000)).Count(r => r.CreatorId == creator));
        // Another user's limit is their own.
        Assert.True((await Rooms.CreateAsync("我的", Tag(), other, Now, maxCreated: 5)).IsOk);
    }

    [Fact]
    public async Task Moderators_AppointedAndRemoved_ChangeOnlyThatRoom()
    {
        var creator = await NewUserAsync("房主");
        var (mod, second) = (await NewUserAsync("管理"), await NewUserAsync("二号"));
        var room = await CreateAsync("房间", Tag(), creator, Now);
        var otherRoom = await CreateAsync("另一个", Tag(), creator, Now);

        Assert.True(await Rooms.SetModeratorAsync(room.Id, mod, true, Now));
        Assert.False(await Rooms.SetModeratorAsync(room.Id, mod, true, Now));
        Assert.True(await Rooms.SetModeratorAsync(room.Id, second, true, Now.AddSeconds(1)));
        Assert.Equal([mod, second], await Rooms.ListModeratorsAsync(room.Id));
        Assert.Empty(await Rooms.ListModeratorsAsync(otherRoom.Id));

        Assert.True(await Rooms.SetModeratorAsync(room.Id, mod, false, Now));
        Assert.False(await Rooms.SetModeratorAsync(room.Id, mod, false, Now));
        Assert.Equal([second], await Rooms.ListModeratorsAsync(room.Id));
    }

    [Fact]
    public async Task Bans_AreKeptPerRoom_UntilLifted()
    {
        var creator = await NewUserAsync("房主");
        var troll = await NewUserAsync("捣乱");
        var room = await CreateAsync("房间", Tag(), creator, Now);
        var otherRoom = await CreateAsync("另一个", Tag(), creator, Now);

        Assert.True(await Rooms.SetBannedAsync(room.Id, troll, true, creator, Now));
        Assert.False(await Rooms.SetBannedAsync(room.Id, troll, true, creator, Now));
        Assert.True(await Rooms.IsBannedAsync(room.Id, troll));
        Assert.False(await Rooms.IsBannedAsync(otherRoom.Id, troll));
        Assert.False(await Rooms.IsBannedAsync(room.Id, creator));
        Assert.Equal([troll], await Rooms.ListBansAsync(room.Id));

        Assert.True(await Rooms.SetBannedAsync(room.Id, troll, false, creator, Now));
        Assert.False(await Rooms.SetBannedAsync(room.Id, troll, false, creator, Now));
        Assert.False(await Rooms.IsBannedAsync(room.Id, troll));
        Assert.Empty(await Rooms.ListBansAsync(room.Id));
    }

    [Fact]
    public async Task Messages_OnlyTheLastKeptAreKept_OldestFirst_PerRoom()
    {
        var creator = await NewUserAsync("房主");
        var room = await CreateAsync("房间", Tag(), creator, Now);
        var otherRoom = await CreateAsync("另一个", Tag(), creator, Now);
        var other = await Rooms.AppendMessageAsync(otherRoom.Id, creator, "别的房间", Now, keep: 5);

        var sent = new List<RoomMessageRecord>();
        for (var i = 1; i <= 8; i++) sent.Add(await Rooms.AppendMessageAsync(room.Id, creator, $"第{i}条", Now.AddSeconds(i), keep: 5));

        Assert.Equal(sent.Skip(3), await Rooms.RecentAsync(room.Id, 100));
        Assert.Equal(sent.Skip(6), await Rooms.RecentAsync(room.Id, 2));
        Assert.Equal(new RoomMessageRecord(sent[7].Id, room.Id, creator, "第8条", Now.AddSeconds(8)), sent[7]);
        Assert.Equal([other], await Rooms.RecentAsync(otherRoom.Id, 100));
    }
}
