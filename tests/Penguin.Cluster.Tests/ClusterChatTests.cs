using Penguin.Client;
using Penguin.Protocol;

namespace Penguin.Cluster.Tests;

/// <summary>One-to-one chat across nodes: messages, receipts and read state travel to whichever node holds each device.</summary>
public sealed class ClusterChatTests(ClusterFixture cluster) : IClassFixture<ClusterFixture>
{
    [ClusterFact]
    public async Task Chat_BetweenNodes_DeliversAndReportsReceiptsToEveryDevice()
    {
        await using var alice = await cluster.RegisterAsync("alice");
        await using var bob = await cluster.RegisterAsync("bob");
        await alice.BefriendAsync(bob, myNode: 0, otherNode: 1);
        var alicePc = (await alice.ConnectAsync(node: 0)).Live;
        var alicePhone = (await alice.ConnectAsync(node: 2, DeviceKind.Mobile)).Live;
        var bobPc = (await bob.ConnectAsync(node: 1)).Live;
        var bobWeb = (await bob.ConnectAsync(node: 2, DeviceKind.Web)).Live;

        var sent = (await alicePc.SendTextAsync(bob.Number, "跨节点的你好")).Message;

        foreach (var device in new[] { bobPc, bobWeb, alicePhone })
            Assert.Equal(sent, (await device.WaitForAsync<MessageReceived>()).Message);
        foreach (var device in new[] { alicePc, alicePhone })
            await device.WaitForAsync<MessageReceipt>(r => r.Peer == bob.Number && r.DeliveredSeq == sent.Seq);

        await bobWeb.MarkReadAsync(alice.Number, sent.Seq);

        Assert.Equal(sent.Seq, (await bobPc.WaitForAsync<ConversationRead>()).ReadSeq);
        foreach (var device in new[] { alicePc, alicePhone })
            await device.WaitForAsync<MessageReceipt>(r => r.Peer == bob.Number && r.ReadSeq == sent.Seq);
    }

    [ClusterFact]
    public async Task Chat_ManyMessagesBetweenNodes_ArriveInOrderExactlyOnce()
    {
        await using var alice = await cluster.RegisterAsync("alice");
        await using var bob = await cluster.RegisterAsync("bob");
        await alice.BefriendAsync(bob, myNode: 2, otherNode: 0);
        var sender = (await alice.ConnectAsync(node: 2)).Live;
        var receiver = (await bob.ConnectAsync(node: 0)).Live;
        var since = receiver.LastSeq;

        var sent = new List<Message>();
        for (var i = 0; i < 50; i++) sent.Add((await sender.SendTextAsync(bob.Number, $"#{i}")).Message);

        var received = await Expect.EventsAfterAsync(receiver, since, sent.Count);
        Assert.Equal(sent, received.OfType<MessageReceived>().Select(m => m.Message));
    }
    [ClusterFact]
    public async Task Block_ThroughOneNode_RefusesTheNextSendThroughAnotherAtOnce()
    {
        await using var alice = await cluster.RegisterAsync("alice");
        await using var bob = await cluster.RegisterAsync("bob");
        await alice.BefriendAsync(bob, myNode: 2, otherNode: 1);
        var sender = (await alice.ConnectAsync(node: 2)).Live;
        var bobPc = await bob.ConnectAsync(node: 1);
        var before = await sender.SendTextAsync(bob.Number, "拉黑之前");
        Assert.False(before.Duplicate);

        // The block is made through node 1; the very next send goes through node 2, which cached nothing: the send's own
        // database call sees the block, whether or not node 2 has heard of it.
        await bobPc.Rest.BlockAsync(alice.Number);
        var refused = await Assert.ThrowsAsync<PenguinException>(() => sender.SendTextAsync(bob.Number, "拉黑之后"));
        Assert.Equal(Errors.MessageRefused.Code, refused.Error.Code);

        // What was acknowledged stays acknowledged: a retry of the earlier send is answered with it.
        var retry = await sender.SendTextAsync(bob.Number, "拉黑之前", before.Message.ClientId);
        Assert.True(retry.Duplicate);
        Assert.Equal(before.Message, retry.Message);

        // Unblocked: the block ended the friendship, so alice, a stranger now, is still refused.
        await bobPc.Rest.UnblockAsync(alice.Number);
        Assert.Equal(Errors.MessageRefused.Code, (await Assert.ThrowsAsync<PenguinException>(() => sender.SendTextAsync(bob.Number, "陌生人"))).Error.Code);
    }
}
