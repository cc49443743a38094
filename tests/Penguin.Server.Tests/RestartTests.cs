using Penguin.Protocol;

namespace Penguin.Server.Tests;

public sealed class RestartTests
{
    [Fact]
    public async Task Restart_KeepsAccountsFriendsGroupsAndRemarks_AndPresenceRecovers()
    {
        await using var server = await TestServer.StartAsync();
        await using var alice = await server.RegisterAsync("阿丽");
        await using var bob = await server.RegisterAsync("阿宝");
        await alice.BefriendAsync(bob);
        var family = (await alice.Rest.CreateGroupAsync("家人")).Single(g => g.Name == "家人");
        await alice.Rest.UpdateFriendAsync(bob.Number, family.Id, "宝哥");
        await alice.Rest.UpdateProfileAsync(new UpdateProfileRequest(Signature: "重启也不怕"));
        var aliceLive = await alice.ConnectAsync();
        var bobLive = await bob.ConnectAsync();
        var cursor = aliceLive.LastSeq;

        await server.RestartAsync();

        await aliceLive.Completion.WaitAsync(TimeSpan.FromSeconds(10));
        await bobLive.Completion.WaitAsync(TimeSpan.FromSeconds(10));
        // Devices reconnect with the tokens they hold.
        var aliceAgain = await alice.ConnectAsync(since: cursor);
        Assert.All((await aliceAgain.WaitForAsync<PresenceSnapshot>()).Friends, f => Assert.Equal(PresenceStatus.Offline, f.Status));
        var bobAgain = await bob.ConnectAsync();
        Assert.Equal(PresenceStatus.Online,
            (await aliceAgain.WaitForAsync<PresenceChanged>(p => p.Presence.Number == bob.Number)).Presence.Status);

        var list = await alice.Rest.GetFriendsAsync();
        var bobEntry = Assert.Single(list.Friends);
        Assert.Equal((bob.Number, family.Id, "宝哥", PresenceStatus.Online), (bobEntry.Profile.Number, bobEntry.GroupId, bobEntry.Remark, bobEntry.Presence.Status));
        Assert.Contains(list.Groups, g => g.Name == "家人");
        Assert.Equal("重启也不怕", (await alice.Rest.GetMeAsync()).Profile.Signature);
        using var fresh = server.NewClient();
        Assert.Equal(10003, await fresh.RegisterAsync("new after restart", User.Password));
        await bobAgain.PingAsync();
    }
}
