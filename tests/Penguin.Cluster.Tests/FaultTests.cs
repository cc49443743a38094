using Penguin.Bus.RabbitMq;
using Penguin.Client;
using Penguin.Protocol;
using Penguin.Server.Hosting;

namespace Penguin.Cluster.Tests;

/// <summary>A node dies: its devices reconnect to another node and get exactly what they missed.</summary>
public sealed class NodeCrashTests(ClusterFixture cluster) : IClassFixture<ClusterFixture>
{
    [ClusterFact]
    public async Task NodeKilled_DevicesReconnectElsewhere_GetWhatTheyMissedOnceAndInOrder()
    {
        await using var alice = await cluster.RegisterAsync("alice");
        await using var bob = await cluster.RegisterAsync("bob");
        await alice.BefriendAsync(bob, myNode: 0, otherNode: 0);
        var watcher = (await bob.ConnectAsync(node: 0)).Live;
        var phone = await alice.ConnectAsync(node: 1, DeviceKind.Mobile);
        var pc = await alice.LoginAsync(node: 2);
        await Expect.PresenceAsync(watcher, alice, PresenceStatus.Online);
        await pc.Rest.CreateGroupAsync("before");
        await Expect.GroupAsync(phone.Live, "before");
        var since = phone.Live.LastSeq;
        phone.Live.TakeEvents();

        await cluster.KillNodeAsync(1);
        // Her device vanished with the node; friends see her go offline (at the latest when its presence rows expire).
        await Expect.PresenceAsync(watcher, alice, PresenceStatus.Offline, TimeSpan.FromSeconds(15));
        await pc.Rest.CreateGroupAsync("missed 1");
        await pc.Rest.CreateGroupAsync("missed 2");

        var resumed = await phone.ReconnectAsync(node: 2);
        await Expect.PresenceAsync(watcher, alice, PresenceStatus.Online);
        await pc.Rest.CreateGroupAsync("live");

        var events = await Expect.EventsAfterAsync(resumed, since, 3);
        Assert.Equal(["missed 1", "missed 2", "live"],
            events.OfType<BuddyGroupsChanged>().Select(e => e.Groups[^1].Name));
        await cluster.StartNodeAsync(1);
    }
}

/// <summary>The broker restarts: every node reconnects by itself and no durable event is lost.</summary>
public sealed class BrokerRestartTests(ClusterFixture cluster) : IClassFixture<ClusterFixture>
{
    [ClusterFact]
    public async Task BrokerRestarted_NodesRecoverAndDevicesGetEverythingOnce()
    {
        await using var alice = await cluster.RegisterAsync("alice");
        await using var bob = await cluster.RegisterAsync("bob");
        await alice.BefriendAsync(bob, myNode: 0, otherNode: 2);
        var phone = (await alice.ConnectAsync(node: 0, DeviceKind.Mobile)).Live;
        var pc = await alice.LoginAsync(node: 1);
        var watcher = (await bob.ConnectAsync(node: 2)).Live;
        await pc.Rest.CreateGroupAsync("before");
        await Expect.GroupAsync(phone, "before");
        var since = phone.LastSeq;
        phone.TakeEvents();

        try
        {
            await Services.StopBrokerAsync();
            await Expect.EventuallyAsync(() => Task.FromResult(!cluster.AllConnectedToBroker()), TimeSpan.FromSeconds(15), "the nodes to notice");
            // Committed while no delivery can cross nodes.
            await pc.Rest.CreateGroupAsync("during");
        }
        finally
        {
            await Services.StartBrokerAsync();
        }
        await Expect.EventuallyAsync(() => Task.FromResult(cluster.AllConnectedToBroker()), TimeSpan.FromSeconds(30), "the nodes to reconnect");

        // The reconnected node has its devices catch up, without waiting for a newer event.
        await Expect.EventsAfterAsync(phone, since, 1, TimeSpan.FromSeconds(15));
        await pc.Rest.CreateGroupAsync("after");
        var events = await Expect.EventsAfterAsync(phone, since + 1, 1);
        Assert.Equal("after", ((BuddyGroupsChanged)events[0]).Groups[^1].Name);
        // Presence crosses nodes again too.
        await phone.SetPresenceAsync(PresenceStatus.Away);
        await Expect.PresenceAsync(watcher, alice, PresenceStatus.Away);
    }
}

/// <summary>The database goes away briefly: requests fail with a clear 503 and the service recovers by itself.</summary>
public sealed class DatabaseOutageTests(ClusterFixture cluster) : IClassFixture<ClusterFixture>
{
    [ClusterFact]
    public async Task DatabaseStopped_RequestsGet503Unavailable_ThenServiceRecovers()
    {
        await using var alice = await cluster.RegisterAsync("alice");
        var pc = await alice.LoginAsync(node: 0);
        var other = await alice.LoginAsync(node: 2);
        var phone = await alice.ConnectAsync(node: 1, DeviceKind.Mobile);
        using var http = new HttpClient { BaseAddress = cluster.NodeUri(0) };

        try
        {
            await Services.StopDatabaseAsync();
            var failure = await Assert.ThrowsAsync<PenguinException>(() => pc.Rest.GetFriendsAsync());
            Assert.Equal((503, "unavailable"), (failure.Status, failure.Error.Code));
            var write = await Assert.ThrowsAsync<PenguinException>(() => other.Rest.CreateGroupAsync("lost"));
            Assert.Equal((503, "unavailable"), (write.Status, write.Error.Code));
            Assert.Equal(System.Net.HttpStatusCode.ServiceUnavailable, (await http.GetAsync(new Uri("readyz", UriKind.Relative))).StatusCode);
        }
        finally
        {
            await Services.StartDatabaseAsync();
        }

        await Expect.EventuallyAsync(async () => (await http.GetAsync(new Uri("readyz", UriKind.Relative))).IsSuccessStatusCode,
            TimeSpan.FromSeconds(20), "the node to be healthy again");
        Assert.Empty((await pc.Rest.GetFriendsAsync()).Friends);
        await other.Rest.CreateGroupAsync("after");
        // The device either stayed connected or reconnects, as a client would, and gets the event either way.
        var live = phone.Live.Completion.IsCompleted ? await phone.ReconnectAsync(node: 1) : phone.Live;
        await Expect.GroupAsync(live, "after");
    }
}

/// <summary>Two running nodes must never share a NodeId: the second stops at start and the first keeps its users.</summary>
public sealed class DuplicateNodeIdTests(ClusterFixture cluster) : IClassFixture<ClusterFixture>
{
    [ClusterFact]
    public async Task SecondNode_WithARunningNodesId_StopsAtStart_AndTheFirstKeepsItsUsersOnline()
    {
        await using var alice = await cluster.RegisterAsync("alice");
        await using var bob = await cluster.RegisterAsync("bob");
        await alice.BefriendAsync(bob, myNode: 0, otherNode: 1);
        var watcher = (await bob.ConnectAsync(node: 1)).Live;
        var phone = (await alice.ConnectAsync(node: 0)).Live;
        await Expect.PresenceAsync(watcher, alice, PresenceStatus.Online);

        var refused = await Assert.ThrowsAsync<NodeIdInUseException>(() => cluster.StartExtraNodeAsync(cluster.NodeId(0)));

        var (lines, exitCode) = StartupFailure.Describe(refused)!.Value;
        Assert.Equal(ExitCodes.Unavailable, exitCode);
        Assert.Contains($"Penguin:NodeId '{cluster.NodeId(0)}'", Assert.Single(lines), StringComparison.Ordinal);
        // It started nothing: her presence row outlives two TTLs (an impostor would have cleared it and told bob she left),
        // and a message still reaches her live on the first node.
        await Task.Delay(2 * ClusterFixture.PresenceTtl);
        Assert.DoesNotContain(watcher.TakeEvents().OfType<PresenceChanged>(), p => p.Presence.Number == alice.Number && p.Presence.Status == PresenceStatus.Offline);
        var sent = await watcher.SendTextAsync(alice.Number, "still there?");
        await phone.WaitForAsync<MessageReceived>(m => m.Message.Id == sent.Message.Id);
    }
}
