using Penguin.Client;
using Penguin.Protocol;

namespace Penguin.Server.Tests;

/// <summary>
/// The members of a group hear live who joins, leaves or is kicked, and when a member's card, role or mute changes
/// (<c>group.member</c>, <c>group.member.left</c>) — not a member's private notify setting.
/// </summary>
public sealed class GroupMemberEventsTests(ServerFixture fixture) : IClassFixture<ServerFixture>
{
    private TestServer Server => fixture.Server;

    /// <summary>Every frame queued for the device before now has arrived once this returns.</summary>
    private static async Task<IReadOnlyList<ServerFrame>> DrainAsync(PenguinConnection device)
    {
        await device.PingAsync();
        return device.TakeEvents();
    }

    [Fact]
    public async Task Members_HearJoinsLeavesKicksAndCardChanges_NotNotifySettings()
    {
        await using var alice = await Server.RegisterAsync("alice");
        await using var bob = await Server.RegisterAsync("bob");
        await using var carol = await Server.RegisterAsync("carol");
        var group = (await alice.Rest.CreateGroupAsync(new CreateGroupRequest("周末爬山群", JoinPolicy: GroupJoinPolicy.Open))).Group.Id;
        var owner = await alice.ConnectAsync();

        await bob.Rest.JoinGroupAsync(group);
        var joined = await owner.WaitForAsync<GroupMemberChanged>(e => e.GroupId == group && e.Member.Number == bob.Number);
        Assert.Equal(GroupRole.Member, joined.Member.Role);

        await bob.Rest.SetGroupCardAsync(group, "小波 Bobby");
        Assert.Equal("小波 Bobby", (await owner.WaitForAsync<GroupMemberChanged>(e => e.Member.Number == bob.Number && e.Member.Card is not null)).Member.Card);

        await bob.Rest.SetGroupNotifyAsync(group, GroupNotify.Silent);
        Assert.DoesNotContain((await DrainAsync(owner)).OfType<GroupMemberChanged>(), _ => true);

        await carol.Rest.JoinGroupAsync(group);
        await owner.WaitForAsync<GroupMemberChanged>(e => e.Member.Number == carol.Number);
        await carol.Rest.LeaveGroupAsync(group);
        Assert.Equal(GroupLeaveReason.Left, (await owner.WaitForAsync<GroupMemberLeft>(e => e.Number == carol.Number)).Reason);

        var member = await bob.ConnectAsync();
        await alice.Rest.KickAsync(group, bob.Number);
        Assert.Equal(GroupLeaveReason.Kicked, (await owner.WaitForAsync<GroupMemberLeft>(e => e.Number == bob.Number)).Reason);
        // The one who was kicked hears it as their own group.left, not as someone else leaving.
        Assert.Equal(GroupLeaveReason.Kicked, (await member.WaitForAsync<GroupLeft>(e => e.GroupId == group)).Reason);
        Assert.DoesNotContain((await DrainAsync(member)).OfType<GroupMemberLeft>(), _ => true);
    }
}
