using Penguin.Protocol;

namespace Penguin.Cluster.Tests;

/// <summary>Users spread over the nodes of one cluster see each other, and themselves, as if there were one server.</summary>
public sealed class ClusterTests(ClusterFixture cluster) : IClassFixture<ClusterFixture>
{
    [ClusterFact]
    public async Task Friends_OnDifferentNodes_SeeEachOthersPresenceLive()
    {
        await using var alice = await cluster.RegisterAsync("alice", node: 0);
        await using var bob = await cluster.RegisterAsync("bob", node: 2);
        await alice.BefriendAsync(bob, myNode: 1, otherNode: 2);
        var watcher = (await alice.ConnectAsync(node: 0)).Live;

        var bobPc = (await bob.ConnectAsync(node: 2)).Live;
        await Expect.PresenceAsync(watcher, bob, PresenceStatus.Online);
        await bobPc.SetPresenceAsync(PresenceStatus.Busy);
        await Expect.PresenceAsync(watcher, bob, PresenceStatus.Busy);
        var bobPhone = (await bob.ConnectAsync(node: 1, DeviceKind.Mobile, PresenceStatus.Online)).Live;
        var both = await Expect.PresenceAsync(watcher, bob, PresenceStatus.Online);
        Assert.Equal([DeviceKind.Pc, DeviceKind.Mobile], both.Presence.Devices);

        await bobPhone.CloseAsync();
        await Expect.PresenceAsync(watcher, bob, PresenceStatus.Busy);
        await bobPc.CloseAsync();
        await Expect.PresenceAsync(watcher, bob, PresenceStatus.Offline);
    }

    [ClusterFact]
    public async Task Friends_OnDifferentNodes_GetTheSnapshotAndTheRequestLive()
    {
        await using var alice = await cluster.RegisterAsync("alice");
        await using var bob = await cluster.RegisterAsync("bob");
        var alicePc = (await alice.ConnectAsync(node: 0)).Live;
        var bobPc = await bob.ConnectAsync(node: 1);

        var request = await (await alice.LoginAsync(node: 2)).Rest.SendFriendRequestAsync(bob.Number, "你好");
        Assert.Equal("你好", (await bobPc.Live.WaitForAsync<FriendRequested>()).Request.Message);
        await bobPc.Rest.AcceptFriendRequestAsync(request.Request.Id);

        Assert.Equal(bob.Number, (await alicePc.WaitForAsync<FriendAdded>()).Profile.Number);
        await Expect.PresenceAsync(alicePc, bob, PresenceStatus.Online);
        var later = (await alice.ConnectAsync(node: 1, DeviceKind.Web)).Live;
        var snapshot = await later.WaitForAsync<PresenceSnapshot>();
        Assert.Equal(PresenceStatus.Online, Assert.Single(snapshot.Friends, f => f.Number == bob.Number).Status);
    }

    [ClusterFact]
    public async Task OneUser_DevicesOnDifferentNodes_StayInSync()
    {
        await using var alice = await cluster.RegisterAsync("alice");
        var pc = await alice.ConnectAsync(node: 0);
        var phone = (await alice.ConnectAsync(node: 2, DeviceKind.Mobile)).Live;
        var since = phone.LastSeq;

        await pc.Rest.CreateGroupAsync("同学");
        await pc.Rest.CreateGroupAsync("同事");
        var groups = await pc.Rest.CreateGroupAsync("家人");

        var events = await Expect.EventsAfterAsync(phone, since, 3);
        Assert.Equal(["同学", "同事", "家人"], events.OfType<BuddyGroupsChanged>().Select(e => e.Groups[^1].Name));
        Assert.Equal(groups, ((BuddyGroupsChanged)events[^1]).Groups);
        Assert.Equal(groups, (await Expect.GroupAsync(pc.Live, "家人")).Groups);
    }
}
