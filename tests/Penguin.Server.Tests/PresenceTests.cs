using Microsoft.Extensions.Time.Testing;
using Penguin.Client;
using Penguin.Protocol;

namespace Penguin.Server.Tests;

public sealed class PresenceTests(ServerFixture fixture) : IClassFixture<ServerFixture>
{
    private TestServer Server => fixture.Server;

    private static Task<PresenceChanged> NextPresenceOf(PenguinConnection watcher, User user, PresenceStatus status) =>
        watcher.WaitForAsync<PresenceChanged>(p => p.Presence.Number == user.Number && p.Presence.Status == status);

    [Fact]
    public async Task Status_EveryTransition_ReachesFriendsAtOnce()
    {
        await using var alice = await Server.RegisterAsync("alice");
        await using var bob = await Server.RegisterAsync("bob");
        await alice.BefriendAsync(bob);
        var watcher = await alice.ConnectAsync();

        var bobLive = await bob.ConnectAsync();
        Assert.Equal([DeviceKind.Pc], (await NextPresenceOf(watcher, bob, PresenceStatus.Online)).Presence.Devices);
        foreach (var status in new[] { PresenceStatus.Away, PresenceStatus.Busy, PresenceStatus.DoNotDisturb, PresenceStatus.Online })
        {
            await bobLive.SetPresenceAsync(status);
            await NextPresenceOf(watcher, bob, status);
        }

        await bobLive.SetPresenceAsync(PresenceStatus.Invisible);
        var invisible = await NextPresenceOf(watcher, bob, PresenceStatus.Offline);
        Assert.Empty(invisible.Presence.Devices);
        Assert.Equal(PresenceStatus.Offline, Assert.Single((await alice.Rest.GetFriendsAsync()).Friends).Presence.Status);

        await bobLive.SetPresenceAsync(PresenceStatus.Online);
        await NextPresenceOf(watcher, bob, PresenceStatus.Online);

        await bobLive.CloseAsync();
        await NextPresenceOf(watcher, bob, PresenceStatus.Offline);
    }

    [Fact]
    public async Task Status_SeveralDevices_ShowsTheMostAvailableAndWhichDevices()
    {
        await using var alice = await Server.RegisterAsync("alice");
        await using var bob = await Server.RegisterAsync("bob", DeviceKind.Pc);
        await alice.BefriendAsync(bob);
        var watcher = await alice.ConnectAsync();

        var pc = await bob.ConnectAsync(status: PresenceStatus.Busy);
        await NextPresenceOf(watcher, bob, PresenceStatus.Busy);
        var (_, phone) = await bob.AddDeviceAsync(DeviceKind.Mobile, PresenceStatus.Online);

        var both = await NextPresenceOf(watcher, bob, PresenceStatus.Online);
        Assert.Equal([DeviceKind.Pc, DeviceKind.Mobile], both.Presence.Devices);

        await phone.CloseAsync();
        var pcOnly = await NextPresenceOf(watcher, bob, PresenceStatus.Busy);
        Assert.Equal([DeviceKind.Pc], pcOnly.Presence.Devices);

        // An invisible device is not shown even while another device is visible.
        var (_, web) = await bob.AddDeviceAsync(DeviceKind.Web, PresenceStatus.Invisible);
        await web.PingAsync();
        await pc.SetPresenceAsync(PresenceStatus.Away);
        Assert.Equal([DeviceKind.Pc], (await NextPresenceOf(watcher, bob, PresenceStatus.Away)).Presence.Devices);
    }

    /// <summary>The server's clock, virtual: the heartbeat sweeps run when the test moves it, never by the wall clock.</summary>
    private static FakeTimeProvider VirtualClock() =>
        new(DateTimeOffset.FromUnixTimeMilliseconds(TimeProvider.System.GetUtcNow().ToUnixTimeMilliseconds()));

    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(10);

    [Fact]
    public async Task Device_VanishingWithoutGoodbye_GoesOfflineAfterTheHeartbeatTimeout()
    {
        var clock = VirtualClock();
        await using var server = await TestServer.StartAsync(o => o.HeartbeatTimeout = Timeout, clock);
        await using var alice = await server.RegisterAsync("alice");
        await using var bob = await server.RegisterAsync("bob");
        await alice.BefriendAsync(bob);
        var watcher = await alice.ConnectAsync();
        var bobLive = await bob.ConnectAsync();
        await NextPresenceOf(watcher, bob, PresenceStatus.Online);
        var offline = NextPresenceOf(watcher, bob, PresenceStatus.Offline);

        // Bob's device falls silent without closing (a phone losing its network); alice pings halfway.
        clock.Advance(Timeout * 0.6);
        await watcher.PingAsync();
        Assert.False(offline.IsCompleted); // not yet past the timeout: nobody was taken offline
        clock.Advance(Timeout * 0.6); // bob silent 1.2 × the timeout, alice 0.6 ×

        await offline;
        await bobLive.Completion.WaitAsync(TimeSpan.FromSeconds(10));
        Assert.Equal(4008, (int?)bobLive.CloseStatus);
        await watcher.PingAsync(); // the same sweep left alice alone
    }

    [Fact]
    public async Task Heartbeat_PingsKeepTheDeviceOnline_WhileSilentOnesAreClosed()
    {
        var clock = VirtualClock();
        await using var server = await TestServer.StartAsync(o => o.HeartbeatTimeout = Timeout, clock);
        await using var alice = await server.RegisterAsync("alice");
        await using var silent = await server.RegisterAsync("silent");
        var live = await alice.ConnectAsync();

        // Six timeouts of virtual time; each round a silent device proves that the sweeps ran and passed alice over.
        for (var round = 0; round < 3; round++)
        {
            var (_, canary) = await silent.AddDeviceAsync(DeviceKind.Web);
            clock.Advance(Timeout * 0.6);
            await live.PingAsync();
            clock.Advance(Timeout * 0.6);
            await canary.Completion.WaitAsync(TimeSpan.FromSeconds(10));
            Assert.Equal(4008, (int?)canary.CloseStatus);
            await live.PingAsync();
        }

        Assert.False(live.Completion.IsCompleted);
    }

    [Fact]
    public async Task Presence_NeverReachesStrangersOrBlockedUsers()
    {
        await using var alice = await Server.RegisterAsync("alice");
        await using var bob = await Server.RegisterAsync("bob");
        await using var carol = await Server.RegisterAsync("carol");
        await alice.BefriendAsync(bob);
        await alice.BefriendAsync(carol);
        var bobLive = await bob.ConnectAsync();
        var carolLive = await carol.ConnectAsync();
        await carol.Rest.BlockAsync(bob.Number); // carol and bob were strangers anyway
        await alice.Rest.BlockAsync(bob.Number);  // bob loses alice

        var aliceLive = await alice.ConnectAsync();
        await aliceLive.SetPresenceAsync(PresenceStatus.Away);

        // Carol, still alice's friend, sees both changes; bob sees neither.
        await carolLive.WaitForAsync<PresenceChanged>(p => p.Presence.Number == alice.Number && p.Presence.Status == PresenceStatus.Away);
        await bobLive.PingAsync();
        Assert.DoesNotContain(bobLive.TakeEvents(), e => e is PresenceChanged p && p.Presence.Number == alice.Number);
        var snapshot = (await bob.Rest.GetFriendsAsync()).Friends;
        Assert.DoesNotContain(snapshot, f => f.Profile.Number == alice.Number);
    }

    [Fact]
    public async Task Snapshot_AfterAuthentication_HoldsEveryFriendsPresence()
    {
        await using var alice = await Server.RegisterAsync("alice");
        await using var bob = await Server.RegisterAsync("bob");
        await using var carol = await Server.RegisterAsync("carol");
        await alice.BefriendAsync(bob);
        await alice.BefriendAsync(carol);
        await bob.ConnectAsync(status: PresenceStatus.DoNotDisturb);

        var aliceLive = await alice.ConnectAsync();

        var snapshot = await aliceLive.WaitForAsync<PresenceSnapshot>();
        Assert.Equal(
            [(bob.Number, PresenceStatus.DoNotDisturb), (carol.Number, PresenceStatus.Offline)],
            snapshot.Friends.Select(f => (f.Number, f.Status)).Order());
    }
}
