using Penguin.Client;
using Penguin.Protocol;

namespace Penguin.Server.Tests;

/// <summary>
/// Chat rooms (聊天室) on the real server with real clients: what is said reaches the people inside at that moment,
/// the last 100 messages greet a newcomer, moderators (and only they) kick and ban, a closed connection leaves, and
/// bad input changes nothing.
/// </summary>
public sealed class RoomsTests(ServerFixture fixture) : IClassFixture<ServerFixture>
{
    private TestServer Server => fixture.Server;

    private static async Task<string> CodeOf(Func<Task> action) => (await Assert.ThrowsAsync<PenguinException>(action)).Error.Code;

    private static string Topic() => "话题" + Guid.NewGuid().ToString("N")[..8];

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
    public async Task Say_ReachesThePeopleInsideNow_NotThoseOutsideOrGone()
    {
        var users = await UsersAsync("alice", "bob", "carol", "dave");
        await using var alice = users[0]; await using var bob = users[1]; await using var carol = users[2]; await using var dave = users[3];
        var room = await alice.Rest.CreateRoomAsync("爬山", Topic());
        var (a, b, c, d) = (await alice.ConnectAsync(), await bob.ConnectAsync(), await carol.ConnectAsync(), await dave.ConnectAsync());
        await a.EnterRoomAsync(room.Id);
        var bobEntered = await b.EnterRoomAsync(room.Id);
        await c.EnterRoomAsync(room.Id);
        Assert.Equal([alice.Number, bob.Number], bobEntered.People.Order());
        Assert.Equal(3, (await a.WaitForAsync<RoomPersonEntered>(e => e.Number == carol.Number)).People);
        await c.LeaveRoomAsync(room.Id);
        await DrainAsync(b); await DrainAsync(c); await DrainAsync(d);

        var said = await a.SayInRoomAsync(room.Id, "大家好 🐧");

        Assert.Equal((room.Id, alice.Number, "大家好 🐧"), (said.RoomId, said.From, said.Text));
        Assert.Equal(said, (await b.WaitForAsync<RoomMessageReceived>()).Message);
        Assert.DoesNotContain((await DrainAsync(c)).OfType<RoomMessageReceived>(), _ => true);
        Assert.DoesNotContain((await DrainAsync(d)).OfType<RoomMessageReceived>(), _ => true);
        Assert.Equal(2, (await bob.Rest.GetRoomAsync(room.Id)).People);
    }

    [Fact]
    public async Task Enter_ShowsTheLastMessages_AndAPersonMayBeInSeveralRooms()
    {
        var users = await UsersAsync("alice", "bob");
        await using var alice = users[0]; await using var bob = users[1];
        var topic = Topic();
        var hiking = await alice.Rest.CreateRoomAsync("爬山", topic);
        var cooking = await alice.Rest.CreateRoomAsync("做饭", topic);
        var a = await alice.ConnectAsync();
        await a.EnterRoomAsync(hiking.Id);
        await a.EnterRoomAsync(cooking.Id);
        var first = await a.SayInRoomAsync(hiking.Id, "一");
        var second = await a.SayInRoomAsync(hiking.Id, "二");
        var elsewhere = await a.SayInRoomAsync(cooking.Id, "菜谱");

        var b = await bob.ConnectAsync();
        var inHiking = await b.EnterRoomAsync(hiking.Id);
        var inCooking = await b.EnterRoomAsync(cooking.Id);

        Assert.Equal([first, second], inHiking.Recent);
        Assert.Equal([elsewhere], inCooking.Recent);
        Assert.Equal(2, inHiking.Room.People);
        var directory = await bob.Rest.GetRoomsAsync(topic);
        Assert.Equal([(hiking.Id, 2), (cooking.Id, 2)], directory.Select(r => (r.Id, r.People)));
        var said = await a.SayInRoomAsync(cooking.Id, "都在");
        Assert.Equal(said, (await b.WaitForAsync<RoomMessageReceived>()).Message);
    }

    [Fact]
    public async Task Say_WithoutEntering_IsRefused_AndUnknownRoomIsNotFound()
    {
        var users = await UsersAsync("alice", "mallory");
        await using var alice = users[0]; await using var mallory = users[1];
        var room = await alice.Rest.CreateRoomAsync("安静", Topic());
        var a = await alice.ConnectAsync();
        await a.EnterRoomAsync(room.Id);
        var m = await mallory.ConnectAsync();

        Assert.Equal("not_in_room", await CodeOf(() => m.SayInRoomAsync(room.Id, "我没进来")));
        Assert.Equal("not_found", await CodeOf(() => m.SayInRoomAsync(room.Id + 999_999, "哪里")));
        Assert.Equal("not_found", await CodeOf(() => m.EnterRoomAsync(room.Id + 999_999)));
        Assert.Equal("not_in_room", await CodeOf(() => m.LeaveRoomAsync(room.Id)));
        Assert.Equal("not_found", await CodeOf(() => mallory.Rest.GetRoomAsync(room.Id + 999_999)));

        Assert.DoesNotContain((await DrainAsync(a)).OfType<RoomMessageReceived>(), _ => true);
        Assert.Empty((await a.EnterRoomAsync(room.Id)).Recent);
    }

    [Fact]
    public async Task Ban_PutsOut_RefusesEntering_UntilLifted()
    {
        var users = await UsersAsync("alice", "troll", "bob");
        await using var alice = users[0]; await using var troll = users[1]; await using var bob = users[2];
        var room = await alice.Rest.CreateRoomAsync("规矩", Topic());
        var (a, t, b) = (await alice.ConnectAsync(), await troll.ConnectAsync(), await bob.ConnectAsync());
        await a.EnterRoomAsync(room.Id);
        await t.EnterRoomAsync(room.Id);
        await b.EnterRoomAsync(room.Id);

        await alice.Rest.BanFromRoomAsync(room.Id, troll.Number);

        Assert.Equal(new RoomRemoved(room.Id, RoomExitReason.Banned, alice.Number), await t.WaitForAsync<RoomRemoved>());
        Assert.Equal(RoomExitReason.Banned, (await b.WaitForAsync<RoomPersonLeft>(e => e.Number == troll.Number)).Reason);
        Assert.Equal("not_in_room", await CodeOf(() => t.SayInRoomAsync(room.Id, "还在吗")));
        Assert.Equal("room_banned", await CodeOf(() => t.EnterRoomAsync(room.Id)));
        await a.SayInRoomAsync(room.Id, "清静了");
        Assert.DoesNotContain((await DrainAsync(t)).OfType<RoomMessageReceived>(), _ => true);
        Assert.Equal([troll.Number], await alice.Rest.GetRoomBansAsync(room.Id));

        await alice.Rest.UnbanFromRoomAsync(room.Id, troll.Number);

        Assert.Equal("清静了", Assert.Single((await t.EnterRoomAsync(room.Id)).Recent).Text);
    }

    [Fact]
    public async Task OnlyModerators_KickAndBan_AndNobodyPutsOutTheCreator()
    {
        var users = await UsersAsync("alice", "mod", "bob", "carol");
        await using var alice = users[0]; await using var mod = users[1]; await using var bob = users[2]; await using var carol = users[3];
        var room = await alice.Rest.CreateRoomAsync("有管理", Topic());
        var (m, b, c) = (await mod.ConnectAsync(), await bob.ConnectAsync(), await carol.ConnectAsync());
        await m.EnterRoomAsync(room.Id); await b.EnterRoomAsync(room.Id); await c.EnterRoomAsync(room.Id);

        // A plain person may neither kick, ban nor appoint.
        Assert.Equal("forbidden", await CodeOf(() => bob.Rest.KickFromRoomAsync(room.Id, carol.Number)));
        Assert.Equal("forbidden", await CodeOf(() => bob.Rest.BanFromRoomAsync(room.Id, carol.Number)));
        Assert.Equal("forbidden", await CodeOf(() => bob.Rest.SetRoomModeratorAsync(room.Id, bob.Number, true)));
        Assert.Equal("forbidden", await CodeOf(() => bob.Rest.GetRoomBansAsync(room.Id)));
        Assert.Empty(await alice.Rest.GetRoomBansAsync(room.Id));

        Assert.Equal([alice.Number, mod.Number], await alice.Rest.SetRoomModeratorAsync(room.Id, mod.Number, true));
        Assert.Equal("forbidden", await CodeOf(() => mod.Rest.SetRoomModeratorAsync(room.Id, bob.Number, true)));
        Assert.Equal("forbidden", await CodeOf(() => mod.Rest.KickFromRoomAsync(room.Id, alice.Number)));
        Assert.Equal("forbidden", await CodeOf(() => mod.Rest.BanFromRoomAsync(room.Id, alice.Number)));

        // An appointed moderator kicks: carol is out now, and may come back (a kick is not a ban).
        await mod.Rest.KickFromRoomAsync(room.Id, carol.Number);

        Assert.Equal(new RoomRemoved(room.Id, RoomExitReason.Kicked, mod.Number), await c.WaitForAsync<RoomRemoved>());
        Assert.Equal(RoomExitReason.Kicked, (await b.WaitForAsync<RoomPersonLeft>(e => e.Number == carol.Number)).Reason);
        await m.SayInRoomAsync(room.Id, "carol 出去了");
        Assert.DoesNotContain((await DrainAsync(c)).OfType<RoomMessageReceived>(), _ => true);
        Assert.Equal("not_in_room", await CodeOf(() => mod.Rest.KickFromRoomAsync(room.Id, carol.Number)));
        await c.EnterRoomAsync(room.Id);
        Assert.Equal([alice.Number, mod.Number], await alice.Rest.GetRoomModeratorsAsync(room.Id));
    }

    [Fact]
    public async Task History_KeepsOnlyTheLast100()
    {
        await using var server = await TestServer.StartAsync(o => o.Rooms.SendsPerSecond = 1000);
        await using var alice = await server.RegisterAsync("alice");
        await using var bob = await server.RegisterAsync("bob");
        var room = await alice.Rest.CreateRoomAsync("话多", Topic());
        var a = await alice.ConnectAsync();
        await a.EnterRoomAsync(room.Id);
        var said = new List<RoomMessage>();
        for (var i = 1; i <= 105; i++) said.Add(await a.SayInRoomAsync(room.Id, $"第{i}条"));

        var recent = (await (await bob.ConnectAsync()).EnterRoomAsync(room.Id)).Recent;

        Assert.Equal(Limits.RoomHistoryKept, recent.Length);
        Assert.Equal(said.Skip(5), recent);
    }

    [Fact]
    public async Task ClosedConnection_LeavesItsRooms()
    {
        var users = await UsersAsync("alice", "bob");
        await using var alice = users[0]; await using var bob = users[1];
        var room = await alice.Rest.CreateRoomAsync("来去", Topic());
        var a = await alice.ConnectAsync();
        await a.EnterRoomAsync(room.Id);
        var b = await bob.ConnectAsync();
        await b.EnterRoomAsync(room.Id);

        await b.CloseAsync();

        var left = await a.WaitForAsync<RoomPersonLeft>(e => e.Number == bob.Number);
        Assert.Equal((RoomExitReason.Left, 1), (left.Reason, left.People));
        Assert.Equal(1, (await alice.Rest.GetRoomAsync(room.Id)).People);
    }

    [Fact]
    public async Task BadInput_GetsClearErrors_AndChangesNothing()
    {
        await using var alice = await Server.RegisterAsync("alice");
        var topic = Topic();

        Assert.Equal("invalid_field", await CodeOf(() => alice.Rest.CreateRoomAsync("", topic)));
        Assert.Equal("invalid_field", await CodeOf(() => alice.Rest.CreateRoomAsync("   ", topic)));
        Assert.Equal("invalid_field", await CodeOf(() => alice.Rest.CreateRoomAsync(new string('长', Limits.RoomNameMaxLength + 1), topic)));
        Assert.Equal("invalid_field", await CodeOf(() => alice.Rest.CreateRoomAsync("好名字", "")));
        Assert.Equal("invalid_field", await CodeOf(() => alice.Rest.CreateRoomAsync("好名字", new string('题', Limits.RoomTopicMaxLength + 1))));
        Assert.Equal("invalid_field", await CodeOf(() => alice.Rest.CreateRoomAsync("坏\u0007名字", topic)));
        Assert.Empty(await alice.Rest.GetRoomsAsync(topic));
        var error = await Assert.ThrowsAsync<PenguinException>(() => alice.Rest.CreateRoomAsync("", topic));
        Assert.Contains("name", error.Error.Message, StringComparison.Ordinal);
        Assert.Contains("聊天室名称", error.Error.MessageZh, StringComparison.Ordinal);

        var room = await alice.Rest.CreateRoomAsync("好名字", topic);
        var a = await alice.ConnectAsync();
        await a.EnterRoomAsync(room.Id);
        Assert.Equal("invalid_message", await CodeOf(() => a.SayInRoomAsync(room.Id, "")));
        Assert.Equal("invalid_message", await CodeOf(() => a.SayInRoomAsync(room.Id, new string('字', Limits.RoomMessageMaxLength + 1))));
        Assert.Equal("not_found", await CodeOf(() => alice.Rest.BanFromRoomAsync(room.Id, 9_999_999)));
        Assert.Equal("bad_request", await CodeOf(() => alice.Rest.KickFromRoomAsync(room.Id, alice.Number)));
        Assert.Empty((await a.EnterRoomAsync(room.Id)).Recent);
        Assert.Equal([room.Id], (await alice.Rest.GetRoomsAsync(topic)).Select(r => r.Id));
    }
}
