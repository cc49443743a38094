using Penguin.Client;
using Penguin.Protocol;

namespace Penguin.Cluster.Tests;

/// <summary>
/// A group (群) whose members are spread over the three nodes, some with devices on two of them: live messages,
/// recall, catch-up and the role rules behave as on one server.
/// </summary>
public sealed class ClusterGroupTests(ClusterFixture cluster) : IClassFixture<ClusterFixture>
{
    private static async Task<string> CodeOf(Func<Task> action) => (await Assert.ThrowsAsync<PenguinException>(action)).Error.Code;

    private static async Task<long> OpenGroupAsync(Device owner, params Device[] members)
    {
        var group = (await owner.Rest.CreateGroupAsync(new CreateGroupRequest("三地同乡群", "跨节点", JoinPolicy: GroupJoinPolicy.Open))).Group.Id;
        foreach (var member in members) Assert.Equal(GroupJoinState.Joined, (await member.Rest.JoinGroupAsync(group)).State);
        return group;
    }

    [ClusterFact]
    public async Task GroupMessage_ReachesEveryDeviceOnEveryNodeOnce_RecallReachesEveryone_OfflineMemberCatchesUp()
    {
        await using var alice = await cluster.RegisterAsync("alice", node: 0);
        await using var bob = await cluster.RegisterAsync("bob", node: 1);
        await using var carol = await cluster.RegisterAsync("carol", node: 2);
        await using var dave = await cluster.RegisterAsync("dave", node: 1);
        var alicePc = await alice.ConnectAsync(node: 0);
        var alicePhone = await alice.ConnectAsync(node: 2, DeviceKind.Mobile);
        var bobPc = await bob.ConnectAsync(node: 1);
        var carolPc = await carol.ConnectAsync(node: 2);
        var carolWeb = await carol.ConnectAsync(node: 1, DeviceKind.Web);
        var daveOffline = await dave.LoginAsync(node: 1); // logged in, never connected
        var group = await OpenGroupAsync(alicePc, bobPc, carolPc, daveOffline);
        var online = new[] { alicePc, alicePhone, bobPc, carolPc, carolWeb };

        var first = (await alicePc.Live.SendGroupTextAsync(group, "三个节点都能收到吗？")).Message;
        foreach (var device in online)
            Assert.Equal(first.Id, (await device.Live.WaitForAsync<GroupMessageReceived>(m => m.Message.Id == first.Id)).Message.Id);
        // Two later messages from two other nodes: once they are in, any second copy of the first would be too.
        var second = (await bobPc.Live.SendGroupTextAsync(group, "收到")).Message;
        var third = (await carolWeb.Live.SendGroupTextAsync(group, "收到了")).Message;
        foreach (var device in online)
        {
            await device.Live.WaitForAsync<GroupMessageReceived>(m => m.Message.Id == second.Id);
            await device.Live.WaitForAsync<GroupMessageReceived>(m => m.Message.Id == third.Id);
            await device.Live.PingAsync();
            Assert.DoesNotContain(device.Live.TakeEvents(), f => f is GroupMessageReceived);
        }
        Assert.Equal([1L, 2L, 3L], new[] { first.Seq, second.Seq, third.Seq });

        // Recall on node 0 reaches every device on every node.
        await alicePc.Live.RecallGroupMessageAsync(group, first.Id);
        foreach (var device in online)
            Assert.Equal((group, first.Seq, alice.Number), await device.Live.WaitForAsync<GroupMessageRecalled>(r => r.Id == first.Id) is var r ? (r.GroupId, r.MessageSeq, r.By) : default);

        // Dave was never online: through node 1 he finds all three, the first recalled, and three unread.
        var summary = Assert.Single(await daveOffline.Rest.GetMyGroupsAsync());
        Assert.Equal((3L, 3L), (summary.LastSeq, summary.Unread));
        var page = await daveOffline.Rest.GetGroupHistoryAsync(group, after: 0);
        Assert.Equal([first.Id, second.Id, third.Id], page.Messages.Select(m => m.Id));
        Assert.True(page.Messages[0].Recalled);
        Assert.Null(page.Messages[0].Text);

        // Alice read up to her own message (seq 1). Read on node 0, the unread count agrees on her phone on node 2.
        Assert.Equal(2, Assert.Single(await alicePhone.Rest.GetMyGroupsAsync()).Unread);
        await alicePc.Live.MarkGroupReadAsync(group, third.Seq);
        await alicePhone.Live.WaitForAsync<GroupRead>(e => e.GroupId == group && e.ReadSeq == third.Seq);
        Assert.Equal(0, Assert.Single(await alicePhone.Rest.GetMyGroupsAsync()).Unread);
        Assert.Equal(0, Assert.Single(await alicePc.Rest.GetMyGroupsAsync()).Unread);
    }

    [ClusterFact]
    public async Task MuteAndKick_OnOneNode_HoldOnTheOthers()
    {
        await using var alice = await cluster.RegisterAsync("alice", node: 0);
        await using var bob = await cluster.RegisterAsync("bob", node: 1);
        await using var erin = await cluster.RegisterAsync("erin", node: 2);
        var aliceAdmin = await alice.ConnectAsync(node: 0);
        var bobPc = await bob.ConnectAsync(node: 1);
        var erinPc = await erin.ConnectAsync(node: 2);
        var erinPhone = await erin.ConnectAsync(node: 1, DeviceKind.Mobile);
        var group = await OpenGroupAsync(aliceAdmin, bobPc, erinPc);

        // Muted through node 0: erin cannot speak on node 2 or node 1.
        await aliceAdmin.Rest.MuteAsync(group, erin.Number, minutes: 10);
        await erinPc.Live.WaitForAsync<GroupMembershipChanged>(e => e.GroupId == group && e.Member.MutedUntil is not null);
        Assert.Equal("group_muted", await CodeOf(() => erinPc.Live.SendGroupTextAsync(group, "我被禁言了吗")));
        Assert.Equal("group_muted", await CodeOf(() => erinPhone.Live.SendGroupTextAsync(group, "手机上也不行")));
        await aliceAdmin.Rest.MuteAsync(group, erin.Number, minutes: 0);
        var spoke = (await erinPhone.Live.SendGroupTextAsync(group, "解禁了")).Message;
        await aliceAdmin.Live.WaitForAsync<GroupMessageReceived>(m => m.Message.Id == spoke.Id);

        // Mute-all through node 1 (the owner's REST there): a member on node 2 cannot speak, the owner still can.
        var aliceOnNode1 = await alice.LoginAsync(node: 1);
        await aliceOnNode1.Rest.MuteAllAsync(group, muted: true);
        await erinPc.Live.WaitForAsync<GroupUpdated>(e => e.Group.Id == group && e.Group.MuteAll);
        Assert.Equal("group_muted", await CodeOf(() => erinPc.Live.SendGroupTextAsync(group, "全员禁言")));
        Assert.Equal("group_muted", await CodeOf(() => bobPc.Live.SendGroupTextAsync(group, "全员禁言")));
        await aliceAdmin.Live.SendGroupTextAsync(group, "管理员可以说话");
        await aliceOnNode1.Rest.MuteAllAsync(group, muted: false);

        // Kicked through node 1: both of erin's devices (nodes 2 and 1) learn it and get nothing more.
        await aliceOnNode1.Rest.KickAsync(group, erin.Number);
        foreach (var device in new[] { erinPc, erinPhone })
            Assert.Equal(GroupLeaveReason.Kicked, (await device.Live.WaitForAsync<GroupLeft>(e => e.GroupId == group)).Reason);
        var after = (await bobPc.Live.SendGroupTextAsync(group, "她走了")).Message;
        await aliceAdmin.Live.WaitForAsync<GroupMessageReceived>(m => m.Message.Id == after.Id);
        await bobPc.Live.WaitForAsync<GroupMessageReceived>(m => m.Message.Id == after.Id);
        foreach (var device in new[] { erinPc, erinPhone })
        {
            await device.Live.PingAsync();
            Assert.DoesNotContain(device.Live.TakeEvents(), f => f is GroupMessageReceived g && g.Message.Id == after.Id);
        }
        Assert.Equal("not_member", await CodeOf(() => erinPc.Live.SendGroupTextAsync(group, "还能发吗")));
        Assert.Equal("not_member", await CodeOf(() => erinPhone.Rest.GetGroupHistoryAsync(group)));
    }
}
