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
}
