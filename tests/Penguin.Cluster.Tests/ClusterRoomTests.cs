using Penguin.Client;
using Penguin.Protocol;

namespace Penguin.Cluster.Tests;

/// <summary>
/// A chat room (聊天室) with people inside on all three nodes: what is said, who enters and leaves, kicks and bans
/// reach everyone inside wherever they are, once, and <c>people</c> counts every node.
/// </summary>
public sealed class ClusterRoomTests(ClusterFixture cluster) : IClassFixture<ClusterFixture>
{
    private static async Task<string> CodeOf(Func<Task> action) => (await Assert.ThrowsAsync<PenguinException>(action)).Error.Code;

    [ClusterFact]
    public async Task Room_WithPeopleOnThreeNodes_MessagesNoticesKickAndBanReachEveryNode_AndPeopleCountsEveryNode()
    {
        await using var alice = await cluster.RegisterAsync("alice", node: 0);
        await using var bob = await cluster.RegisterAsync("bob", node: 1);
        await using var carol = await cluster.RegisterAsync("carol", node: 2);
        var aliceDevice = await alice.ConnectAsync(node: 0);
        var bobDevice = await bob.ConnectAsync(node: 1);
        var carolPc = await carol.ConnectAsync(node: 2);
        var carolWeb = await carol.ConnectAsync(node: 0, DeviceKind.Web);
        var room = (await aliceDevice.Rest.CreateRoomAsync("三地聊天室", "跨节点")).Id;

        // Entering on three nodes: each arrival is told on the other nodes, with the count over all of them.
        Assert.Equal([alice.Number], (await aliceDevice.Live.EnterRoomAsync(room)).People);
        var bobEntered = await bobDevice.Live.EnterRoomAsync(room);
        Assert.Equal(2, bobEntered.Room.People);
        Assert.Equal([alice.Number, bob.Number], bobEntered.People.Order());
        Assert.Equal(2, (await aliceDevice.Live.WaitForAsync<RoomPersonEntered>(e => e.Number == bob.Number)).People);
        await carolPc.Live.EnterRoomAsync(room);
        foreach (var device in new[] { aliceDevice, bobDevice })
            Assert.Equal(3, (await device.Live.WaitForAsync<RoomPersonEntered>(e => e.Number == carol.Number)).People);
        // Carol again, on node 0: she was inside already, so nobody is told and she counts once.
        Assert.Equal(3, (await carolWeb.Live.EnterRoomAsync(room)).Room.People);
        foreach (var node in new[] { 0, 1, 2 })
        {
            using var directory = new PenguinClient(cluster.NodeUri(node)) { Token = aliceDevice.Rest.Token };
            Assert.Equal(3, (await directory.GetRoomAsync(room)).People);
            Assert.Equal(3, Assert.Single(await directory.GetRoomsAsync("跨节点"), r => r.Id == room).People);
        }

        // Said on node 1: every other connection inside, on nodes 0 and 2, gets it once.
        var said = await bobDevice.Live.SayInRoomAsync(room, "三个节点都在吗？");
        var others = new[] { aliceDevice, carolPc, carolWeb };
        foreach (var device in others)
            Assert.Equal(said, (await device.Live.WaitForAsync<RoomMessageReceived>(m => m.Message.Id == said.Id)).Message);
        var second = await carolPc.Live.SayInRoomAsync(room, "在");
        foreach (var device in new[] { aliceDevice, bobDevice, carolWeb })
        {
            await device.Live.WaitForAsync<RoomMessageReceived>(m => m.Message.Id == second.Id);
            await device.Live.PingAsync();
            Assert.DoesNotContain(device.Live.TakeEvents(), f => f is RoomMessageReceived or RoomPersonEntered);
        }
        await carolPc.Live.PingAsync();
        Assert.DoesNotContain(carolPc.Live.TakeEvents(), f => f is RoomMessageReceived m && m.Message.Id == second.Id); // not to the speaker

        // Kicked through node 1's REST: both of carol's connections (nodes 2 and 0) are put out; the rest are told.
        using (var moderatorOnNode1 = new PenguinClient(cluster.NodeUri(1)) { Token = aliceDevice.Rest.Token })
            await moderatorOnNode1.KickFromRoomAsync(room, carol.Number);
        foreach (var device in new[] { carolPc, carolWeb })
            Assert.Equal((RoomExitReason.Kicked, alice.Number), await device.Live.WaitForAsync<RoomRemoved>(r => r.RoomId == room) is var r ? (r.Reason, r.By) : default);
        foreach (var device in new[] { aliceDevice, bobDevice })
        {
            var left = await device.Live.WaitForAsync<RoomPersonLeft>(e => e.Number == carol.Number);
            Assert.Equal((RoomExitReason.Kicked, 2), (left.Reason, left.People));
        }
        Assert.Equal("not_in_room", await CodeOf(() => carolPc.Live.SayInRoomAsync(room, "我还在吗")));
        Assert.Equal("not_in_room", await CodeOf(() => carolWeb.Live.SayInRoomAsync(room, "我还在吗")));
        Assert.Equal(2, (await bobDevice.Rest.GetRoomAsync(room)).People);
        var afterKick = await bobDevice.Live.SayInRoomAsync(room, "她被踢了");
        await aliceDevice.Live.WaitForAsync<RoomMessageReceived>(m => m.Message.Id == afterKick.Id);
        foreach (var device in new[] { carolPc, carolWeb })
        {
            await device.Live.PingAsync();
            Assert.DoesNotContain(device.Live.TakeEvents(), f => f is RoomMessageReceived);
        }

        // Banned through node 2's REST: bob on node 1 is put out and refused on entering again.
        using (var moderatorOnNode2 = new PenguinClient(cluster.NodeUri(2)) { Token = aliceDevice.Rest.Token })
            await moderatorOnNode2.BanFromRoomAsync(room, bob.Number);
        Assert.Equal(RoomExitReason.Banned, (await bobDevice.Live.WaitForAsync<RoomRemoved>(r => r.RoomId == room)).Reason);
        var banned = await aliceDevice.Live.WaitForAsync<RoomPersonLeft>(e => e.Number == bob.Number);
        Assert.Equal((RoomExitReason.Banned, 1), (banned.Reason, banned.People));
        Assert.Equal("room_banned", await CodeOf(() => bobDevice.Live.EnterRoomAsync(room)));

        // Carol enters again on node 2 and her connection closes: alice on node 0 sees her leave, the count drops.
        await carolPc.Live.EnterRoomAsync(room);
        Assert.Equal(2, (await aliceDevice.Live.WaitForAsync<RoomPersonEntered>(e => e.Number == carol.Number)).People);
        await carolPc.Live.CloseAsync();
        var gone = await aliceDevice.Live.WaitForAsync<RoomPersonLeft>(e => e.Number == carol.Number);
        Assert.Equal((RoomExitReason.Left, 1), (gone.Reason, gone.People));
        Assert.Equal(1, (await carolWeb.Rest.GetRoomAsync(room)).People);
    }
}
