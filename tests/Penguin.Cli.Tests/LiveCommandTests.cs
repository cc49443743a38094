using System.Text.Json;
using Penguin.Client;
using Penguin.Protocol;

namespace Penguin.Cli.Tests;

/// <summary>Commands that hold a WebSocket open: friends --watch and status --wait.</summary>
public sealed class LiveCommandTests
{
    [Fact]
    public async Task FriendsWatch_RedrawsWhenAFriendComesOnlineAndGoesOffline()
    {
        await using var server = await TestServer.StartAsync();
        using var alice = await CliUser.CreateAsync(server.Url, "Alice");
        using var bob = await CliUser.CreateAsync(server.Url, "Bob");
        await CliUser.BefriendAsync(alice, bob);

        var screen = new LockedWriter();
        using var stop = new CancellationTokenSource();
        var watch = alice.RunAsync(["friends", "--watch"], input: null, output: screen, ct: stop.Token);
        try
        {
            await screen.WaitForFrameAsync(f => f.Contains($"{bob.Nickname} {bob.N}  offline", StringComparison.Ordinal));

            using var bobClient = await bob.LogInClientAsync();
            var bobConnection = await bobClient.ConnectAsync();
            try
            {
                var online = await screen.WaitForFrameAsync(f => f.Contains($"● {bob.Nickname} {bob.N}  online (mobile)", StringComparison.Ordinal));
                Assert.Contains("(1/1)", online, StringComparison.Ordinal);
            }
            finally
            {
                await bobConnection.CloseAsync();
            }
            await screen.WaitForFrameAsync(f => f.Contains($"○ {bob.Nickname} {bob.N}  offline", StringComparison.Ordinal));
        }
        finally
        {
            await stop.CancelAsync();
        }
        var result = await watch.WaitAsync(TimeSpan.FromSeconds(10));
        Assert.Equal(0, result.Exit);
    }

    [Fact]
    public async Task FriendsWatch_ShowsANewFriendAsSoonAsTheyAreAdded()
    {
        await using var server = await TestServer.StartAsync();
        using var alice = await CliUser.CreateAsync(server.Url, "Alice");
        using var carol = await CliUser.CreateAsync(server.Url, "Carol");

        var screen = new LockedWriter();
        using var stop = new CancellationTokenSource();
        var watch = alice.RunAsync(["friends", "--watch", "--json"], input: null, output: screen, ct: stop.Token);
        try
        {
            await Eventually.TrueAsync(() => screen.ToString().Contains("\"friends\":[]", StringComparison.Ordinal));
            await CliUser.BefriendAsync(alice, carol);
            await Eventually.TrueAsync(() => screen.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries)
                .Select(l => JsonSerializer.Deserialize(l, PenguinJson.Wire.BuddyList)!)
                .Any(l => l.Friends.Any(f => f.Profile.Number == carol.Number)));
        }
        finally
        {
            await stop.CancelAsync();
        }
        Assert.Equal(0, (await watch.WaitAsync(TimeSpan.FromSeconds(10))).Exit);
    }

    [Fact]
    public async Task FriendsWatch_PingsSoTheHeartbeatTimeoutDoesNotTakeTheWatcherOffline()
    {
        await using var server = await TestServer.StartAsync(o =>
        {
            o.HeartbeatTimeout = TimeSpan.FromSeconds(1);
            o.HeartbeatSweepInterval = TimeSpan.FromMilliseconds(100);
        });
        using var alice = await CliUser.CreateAsync(server.Url, "Alice");
        using var bob = await CliUser.CreateAsync(server.Url, "Bob");
        await CliUser.BefriendAsync(alice, bob);
        using var bobClient = await bob.LogInClientAsync();

        using var stop = new CancellationTokenSource();
        var watch = alice.RunAsync(["friends", "--watch", "--status", "busy"], input: null, output: new LockedWriter(),
            pingInterval: TimeSpan.FromMilliseconds(250), ct: stop.Token);
        try
        {
            await Eventually.TrueAsync(async () => (await bobClient.GetFriendsAsync()).Friends.Single().Presence.Status == PresenceStatus.Busy);
            // Three heartbeat timeouts later Alice is still there, because the watch pings.
            await Task.Delay(TimeSpan.FromSeconds(3));
            Assert.Equal(PresenceStatus.Busy, (await bobClient.GetFriendsAsync()).Friends.Single().Presence.Status);
        }
        finally
        {
            await stop.CancelAsync();
        }
        Assert.Equal(0, (await watch.WaitAsync(TimeSpan.FromSeconds(10))).Exit);
        await Eventually.TrueAsync(async () => (await bobClient.GetFriendsAsync()).Friends.Single().Presence.Status == PresenceStatus.Offline);
    }

    [Fact]
    public async Task StatusWait_HoldsTheStatusUntilCancelled()
    {
        await using var server = await TestServer.StartAsync();
        using var alice = await CliUser.CreateAsync(server.Url, "Alice");
        using var bob = await CliUser.CreateAsync(server.Url, "Bob");
        await CliUser.BefriendAsync(alice, bob);
        using var bobClient = await bob.LogInClientAsync();

        using var stop = new CancellationTokenSource();
        var status = alice.RunAsync(["status", "dnd", "--wait"], input: null, ct: stop.Token);
        await Eventually.TrueAsync(async () => (await bobClient.GetFriendsAsync()).Friends.Single().Presence.Status == PresenceStatus.DoNotDisturb);
        await stop.CancelAsync();
        Assert.Equal(0, (await status.WaitAsync(TimeSpan.FromSeconds(10))).Exit);
        await Eventually.TrueAsync(async () => (await bobClient.GetFriendsAsync()).Friends.Single().Presence.Status == PresenceStatus.Offline);
    }

}
